"""Persons and person_distinct_ids through /query/: rows PostHog reads, queries, time, peak RSS; this branch
against the reader before issue 27 (`previous`: commit 9beb8bd, extracted to bench/.previous-9beb8bd and run
with this venv's Python), and the `/persons/` list fallback (`list`).

One project of N persons (`--sizes`); the emulator runs as its own process with quirks on and its cost model
for person tables (posthog_emulator/query/table_cost.py: rows read per query by PostHog's pushdown rules, the
`QueryCost.real()` per-row figures, no sleeping and no 10 s cut, so a reader that would time out still
finishes and its rows are counted; `over 10 s` counts its queries PostHog would have answered with a 504).
Rows read are the emulator's (each person, distinct id and version one row). Analytic figures for sizes the
emulator cannot hold (10M, 100M): bench/persons_cost.py, same rules. Usage (both streams, both readers):
`.venv/bin/python bench/persons.py --sizes 100000,1000000`.
"""

import argparse
import subprocess
import urllib.request
from pathlib import Path
from typing import Any

import orjson
from emulator import PYTHON, ROOT, Emulator
from measure import timed_run

RESULTS = ROOT / "bench" / "results"
PREVIOUS_COMMIT = "9beb8bd"
PREVIOUS = ROOT / "bench" / f".previous-{PREVIOUS_COMMIT}"
OURS = ROOT / ".venv" / "bin" / "source-posthog"
REAL = {"fixed_s": 0.15, "per_person_row_s": 5e-7, "per_key_row_s": 2e-8, "per_returned_row_s": 3e-5}
LINE = "{:>9} {:<19} {:<8} {:>7} {:>13} {:>12} {:>10} {:>8} {:>8} {:>7} {:>7} {:>21}"
HEADER = ("persons", "stream", "reader", "queries", "rows read", "rows/1M p.", "rows/page", "over 10s", "server s")


def start_emulator(persons: int, query_api: bool) -> tuple[Emulator, subprocess.Popen[bytes]]:
    command = [str(PYTHON), "-m", "posthog_emulator", "--port", "0", "--events", "1000", "--projects", "1"]
    command += ["--no-edge-projects", "--persons-per-project", str(persons)]
    command += [] if query_api else ["--no-query-api"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    assert process.stdout is not None
    ready = orjson.loads(process.stdout.readline())
    emulator = Emulator(ready["base_url"], ready["api_key"], process)
    body = orjson.dumps({"limits": {"query_cost": REAL}})
    request = urllib.request.Request(f"{emulator.base_url}/_emulator/configure", data=body, method="POST")  # noqa: S310
    urllib.request.urlopen(request, timeout=60).close()  # noqa: S310 (127.0.0.1 only)
    return emulator, process


def previous_tree() -> Path:
    """The connector at PREVIOUS_COMMIT (package and schemas), extracted once."""
    if not (PREVIOUS / "source_posthog").is_dir():
        PREVIOUS.mkdir(parents=True, exist_ok=True)
        command = ["git", "archive", PREVIOUS_COMMIT, "source_posthog", "schemas"]
        archive = subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(PREVIOUS)], input=archive.stdout, check=True)
    return PREVIOUS


def read_command(emulator: Emulator, name: str, stream: str, reader: str) -> tuple[list[str], dict[str, str] | None]:
    config = {"api_key": emulator.api_key, "start_date": "2020-01-01T00:00:00Z", "base_url": emulator.base_url}
    entry = {"name": stream, "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
    catalog = {"streams": [{"stream": entry, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    for file, content in (("config", config), ("catalog", catalog)):
        (RESULTS / f"persons-{name}-{file}.json").write_bytes(orjson.dumps(content))
    files = ["--config", str(RESULTS / f"persons-{name}-config.json")]
    files += ["--catalog", str(RESULTS / f"persons-{name}-catalog.json")]
    if reader != "previous":
        return [str(OURS), "read", *files], None
    # -I: neither the working directory (this checkout) nor PYTHONPATH comes before the old tree.
    boot = f"import sys; sys.path.insert(0, {str(previous_tree())!r}); "
    boot += "from source_posthog.airbyte.cli import main; sys.exit(main())"
    return [str(PYTHON), "-I", "-c", boot, "read", *files], None


def delivered_keys(output: Path, stream: str) -> set[str]:
    """Distinct keys (person id or distinct id) in the RECORD lines of one run."""
    field = "id" if stream == "persons" else "distinct_id"
    keys = set()
    with output.open("rb") as lines:
        for line in lines:
            message = orjson.loads(line)
            if message.get("type") == "RECORD" and message["record"]["stream"] == stream:
                keys.add(str(message["record"]["data"][field]))
    return keys


def measure(persons: int, stream: str, reader: str) -> list[str]:
    """One read against a fresh emulator; the request log counts only connector requests."""
    name = f"{persons}-{stream}-{reader}"
    emulator, process = start_emulator(persons, reader != "list")
    try:
        expected = set(map(str, emulator.admin(f"truth?stream={stream}&unique=true")))
        emulator.clear_request_log()
        command, env = read_command(emulator, name, stream, reader)
        output = RESULTS / f"persons-{name}.jsonl"
        run = timed_run(command, output, RESULTS / f"persons-{name}.log", env=env)
        log = emulator.request_log()
    finally:
        process.terminate()
        process.wait(timeout=60)
    costs: list[dict[str, Any]] = [entry["query_cost"] for entry in log if "query_cost" in entry]
    rows = sum(cost["scanned_rows"] for cost in costs)
    per_page = max((cost["scanned_rows"] for cost in costs), default=0)
    over = sum(cost["simulated_s"] > 10 for cost in costs)
    server = sum(cost["simulated_s"] for cost in costs)
    got = delivered_keys(output, stream)
    cells = [f"{len(log):,}", f"{rows:,}", f"{rows / (persons / 1e6):,.0f}", f"{per_page:,}", str(over)]
    cells += [f"{server:,.0f}", f"{run.wall_s:.1f}", f"{run.peak_rss_mb:.0f}"]
    return [*cells, f"{len(got & expected):,} / {len(expected):,}"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="persons per project, comma-separated")
    parser.add_argument("--readers", default="ours,previous", help="ours, previous (commit 9beb8bd), list")
    parser.add_argument("--streams", default="persons,person_distinct_ids", help="persons, person_distinct_ids")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(LINE.format(*HEADER, "wall s", "RSS MB", "delivered / expected"), flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        for stream in args.streams.split(","):
            for reader in args.readers.split(","):
                if reader == "list" and stream != "persons":
                    continue
                print(LINE.format(f"{size:,}", stream, reader, *measure(size, stream, reader)), flush=True)


if __name__ == "__main__":
    main()
