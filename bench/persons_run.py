"""Pieces of bench/persons.py: the emulator for one size, the read commands, delivered keys, a memory guard.

Both readers run from a source tree, not from the installed package: `ours` from the checkout this file is in
(so a copy made with `git archive` measures that copy while the worktree is edited), `previous` from commit
9beb8bd extracted to bench/.previous-9beb8bd. Delivered keys are counted on disk (`sort -u`), so a 10M-person
read does not need 10M strings in this process.
"""

import subprocess
import threading
import urllib.request
from pathlib import Path
from typing import Any

import orjson
import psutil
from emulator import PYTHON, ROOT, Emulator

RESULTS = ROOT / "bench" / "results"
PREVIOUS_COMMIT = "9beb8bd"
PREVIOUS = ROOT / "bench" / f".previous-{PREVIOUS_COMMIT}"
REAL = {"fixed_s": 0.15, "per_person_row_s": 5e-7, "per_key_row_s": 2e-8, "per_returned_row_s": 3e-5}
SLIM_ABOVE = 2_000_000  # larger sizes use the emulator's slim persons (about 1 KB of Python objects each)
MIN_FREE_MB = 1500  # the guard stops the emulator below this much available memory (the machine is shared)
WARM = "SELECT max({k}) AS last_key, count() AS raw_rows FROM (SELECT {k} FROM {t} ORDER BY {k} ASC LIMIT 1)"


def start_emulator(persons: int, query_api: bool = True) -> Emulator:
    """One emulator for a size (quirks on, the person tables' cost model), its indexes built before any run."""
    command = [str(PYTHON), "-m", "posthog_emulator", "--port", "0", "--events", "1000", "--projects", "1"]
    command += ["--no-edge-projects", "--persons-per-project", str(persons)]
    command += [] if query_api else ["--no-query-api"]
    command += ["--slim-persons"] if persons > SLIM_ABOVE else []
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    assert process.stdout is not None
    ready = orjson.loads(process.stdout.readline())
    emulator = Emulator(ready["base_url"], ready["api_key"], process)
    configure(emulator, None)
    if query_api:  # the sorted person index and raw keys are built once, outside every measured run
        for key, table in (("id", "raw_persons"), ("distinct_id", "raw_person_distinct_ids")):
            query(emulator, WARM.format(k=key, t=table))
    return emulator


def configure(emulator: Emulator, time_limit_s: float | None) -> None:
    """The real per-row costs, no sleeping; PostHog's time limit when given (queries over it answer 504)."""
    cost = {**REAL, "time_limit_s": time_limit_s}
    body = orjson.dumps({"limits": {"query_cost": cost}})
    request = urllib.request.Request(f"{emulator.base_url}/_emulator/configure", data=body, method="POST")  # noqa: S310
    urllib.request.urlopen(request, timeout=60).close()  # noqa: S310 (127.0.0.1 only)


def query(emulator: Emulator, sql: str) -> Any:
    """One HogQL query of the emulator's first project."""
    body = orjson.dumps({"query": {"kind": "HogQLQuery", "query": sql}})
    headers = {"Authorization": f"Bearer {emulator.api_key}", "Content-Type": "application/json"}
    url = f"{emulator.base_url}/api/projects/101/query/"
    request = urllib.request.Request(url, data=body, method="POST", headers=headers)  # noqa: S310
    with urllib.request.urlopen(request, timeout=1800) as response:  # noqa: S310 (127.0.0.1 only)
        return orjson.loads(response.read())


def previous_tree() -> Path:
    """The connector at PREVIOUS_COMMIT (package and schemas), extracted once."""
    if not (PREVIOUS / "source_posthog").is_dir():
        PREVIOUS.mkdir(parents=True, exist_ok=True)
        command = ["git", "archive", PREVIOUS_COMMIT, "source_posthog", "schemas"]
        archive = subprocess.run(command, cwd=ROOT, check=True, capture_output=True)
        subprocess.run(["tar", "-x", "-C", str(PREVIOUS)], input=archive.stdout, check=True)
    return PREVIOUS


def read_command(emulator: Emulator, name: str, stream: str, reader: str) -> list[str]:
    """`source-posthog read` of one stream, full refresh, by the reader's source tree."""
    config = {"api_key": emulator.api_key, "start_date": "2020-01-01T00:00:00Z", "base_url": emulator.base_url}
    entry = {"name": stream, "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
    catalog = {"streams": [{"stream": entry, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    for file, content in (("config", config), ("catalog", catalog)):
        (RESULTS / f"persons-{name}-{file}.json").write_bytes(orjson.dumps(content))
    files = ["--config", str(RESULTS / f"persons-{name}-config.json")]
    files += ["--catalog", str(RESULTS / f"persons-{name}-catalog.json")]
    tree = previous_tree() if reader == "previous" else ROOT  # `list`: this tree, the emulator without /query/
    # -I: neither the working directory nor PYTHONPATH (nor an editable install) comes before the tree.
    boot = f"import sys; sys.path.insert(0, {str(tree)!r}); "
    boot += "from source_posthog.airbyte.cli import main; sys.exit(main())"
    return [str(PYTHON), "-I", "-c", boot, "read", *files]


def delivered(output: Path, stream: str) -> tuple[int, int]:
    """(RECORD lines, distinct keys) of one run's output; the keys are counted by `sort -u` on disk."""
    field = "id" if stream == "persons" else "distinct_id"
    keys, records = output.with_suffix(".keys"), 0
    with output.open("rb") as lines, keys.open("wb") as out:
        for line in lines:
            if b'"RECORD"' not in line:
                continue
            message = orjson.loads(line)
            if message.get("type") == "RECORD" and message["record"]["stream"] == stream:
                out.write(str(message["record"]["data"][field]).encode() + b"\n")
                records += 1
    sort = subprocess.run(["sort", "-u", "-S", "200M", "-T", str(RESULTS), str(keys)], capture_output=True, check=True)
    keys.unlink()
    return records, sort.stdout.count(b"\n")


def guard(process: subprocess.Popen[bytes], stop: threading.Event) -> threading.Thread:
    """Stop the emulator (this bench's own process) if the machine runs short of memory."""

    def watch() -> None:
        while not stop.wait(1.0):
            if psutil.virtual_memory().available < MIN_FREE_MB * 2**20 and process.poll() is None:
                print(f"memory guard: under {MIN_FREE_MB} MB available, emulator stopped", flush=True)
                process.terminate()
                return

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread
