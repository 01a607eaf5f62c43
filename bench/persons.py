"""Persons through /query/ (keyset on id) against the `/persons/` list fallback: requests, time, peak RSS.

One project of N persons (`--persons-per-project`); the emulator runs as its own process with quirks on,
once per path (`--no-query-api` for the fallback). Expected = the emulator's truth for that path (the list
cannot load ~3% of persons, PostHog issue #24787). Usage: `.venv/bin/python bench/persons.py --sizes 100000`.
"""

import argparse
import subprocess
from pathlib import Path
from typing import Any

import orjson
from emulator import PYTHON, ROOT, Emulator
from measure import timed_run

RESULTS = ROOT / "bench" / "results"
OURS = ROOT / ".venv" / "bin" / "source-posthog"
LINE = "{:>9} {:<8} {:>8} {:>7} {:>7} {:>20}"


def start_emulator(persons: int, query_api: bool) -> tuple[Emulator, subprocess.Popen[bytes]]:
    command = [str(PYTHON), "-m", "posthog_emulator", "--port", "0", "--events", "1000", "--projects", "1"]
    command += ["--no-edge-projects", "--persons-per-project", str(persons)]
    command += [] if query_api else ["--no-query-api"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    assert process.stdout is not None
    ready = orjson.loads(process.stdout.readline())
    return Emulator(ready["base_url"], ready["api_key"], process), process


def read_command(emulator: Emulator, name: str) -> list[str]:
    config = {"api_key": emulator.api_key, "start_date": "2020-01-01T00:00:00Z", "base_url": emulator.base_url}
    stream = {"name": "persons", "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
    catalog = {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    for file, content in (("config", config), ("catalog", catalog)):
        (RESULTS / f"persons-{name}-{file}.json").write_bytes(orjson.dumps(content))
    files = ["--config", str(RESULTS / f"persons-{name}-config.json")]
    return [str(OURS), "read", *files, "--catalog", str(RESULTS / f"persons-{name}-catalog.json")]


def delivered_ids(output: Path) -> set[str]:
    """Distinct person ids in the RECORD lines of one run."""
    ids = set()
    with output.open("rb") as lines:
        for line in lines:
            message = orjson.loads(line)
            if message.get("type") == "RECORD" and message["record"]["stream"] == "persons":
                ids.add(str(message["record"]["data"]["id"]))
    return ids


def measure(persons: int, query_api: bool) -> dict[str, Any]:
    """One read of `persons` against a fresh emulator; the request log counts only connector requests."""
    name = f"{persons}-{'query' if query_api else 'list'}"
    emulator, process = start_emulator(persons, query_api)
    try:
        expected = {str(i) for i in emulator.admin("truth?stream=persons&unique=true")}
        emulator.clear_request_log()
        output = RESULTS / f"persons-{name}.jsonl"
        run = timed_run(read_command(emulator, name), output, RESULTS / f"persons-{name}.log")
        requests = len(emulator.request_log())
    finally:
        process.terminate()
        process.wait(timeout=30)
    got = delivered_ids(output)
    path = "/query/" if query_api else "/persons/"
    return {"persons": persons, "path": path, "requests": requests, "wall_s": run.wall_s,
            "rss_mb": run.peak_rss_mb, "delivered": f"{len(got & expected):,} / {len(expected):,}"}  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="persons per project, comma-separated")
    parser.add_argument("--paths", default="query,list", help="query (/query/), list (/persons/)")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(LINE.format("persons", "path", "requests", "wall s", "RSS MB", "delivered / expected"), flush=True)
    for size in (int(s) for s in args.sizes.split(",")):
        for path in args.paths.split(","):
            row = measure(size, path == "query")
            cells = [f"{size:,}", row["path"], row["requests"], f"{row['wall_s']:.1f}", f"{row['rss_mb']:.0f}"]
            print(LINE.format(*cells, row["delivered"]), flush=True)


if __name__ == "__main__":
    main()
