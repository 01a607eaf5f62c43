"""dlt's fixed cost per run into DuckDB (issue 25): what a commit per page costs beyond the rows it loads.

    .venv/bin/python bench/dlt_run_cost.py [--runs 30] [--rows 100] [--repeat 2]

Each setting runs in a fresh process: a new DuckDB file and pipeline, one warm-up run (tables created), then
`--runs` runs of `--rows` events-like rows each (a `merge` resource on `id` with a JSON `properties` column and a
resource state, loaded from JSON-lines files, DuckDB capped at 256 MB: what `source-posthog-load` does per page).
Printed per run: wall and CPU seconds (the process's user+system), and dlt's own step times from its trace.
Settings: `path` (the DuckDB file by path: dlt opens and closes it twice per run), `connection` (one open
connection handed to dlt as the credentials, what the command does), then `connection` with documented dlt
settings added (environment variables): telemetry off, completed jobs deleted, no gzip.
"""

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from typing import Any

SETTINGS: dict[str, dict[str, str]] = {
    "path": {},
    "connection": {},
    "connection, telemetry off": {"RUNTIME__DLTHUB_TELEMETRY": "false"},
    "connection, no gzip, completed jobs deleted": {
        "DATA_WRITER__DISABLE_COMPRESSION": "true",
        "LOAD__DELETE_COMPLETED_JOBS": "true",
    },
}


def measure(folder: str, runs: int, rows: int, by_path: bool) -> str:
    """Run the pipeline `runs` times in this process; one line of per-run figures."""
    import dlt  # noqa: PLC0415 (only in the child process)
    import duckdb  # noqa: PLC0415
    from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials  # noqa: PLC0415

    columns: Any = {"properties": {"data_type": "json"}, "timestamp": {"data_type": "timestamp"}}

    @dlt.resource(name="events", primary_key=["id"], write_disposition="merge", columns=columns)
    def events() -> Iterator[dict[str, Any]]:
        state = dlt.current.resource_state()
        for _ in range(rows):
            yield {"id": str(uuid.uuid4()), "timestamp": "2026-01-01T00:00:00Z", "properties": {"a": "x" * 100}}
        state["position"] = state.get("position", 0) + rows

    path = f"{folder}/posthog.duckdb"
    memory: dict[str, Any] = {"memory_limit": "256MB"}
    credentials = (
        DuckDbCredentials(path, global_config=memory)
        if by_path
        else DuckDbCredentials(duckdb.connect(path, config=memory))
    )
    pipeline = dlt.pipeline("cost", destination=dlt.destinations.duckdb(credentials), pipelines_dir=folder)
    pipeline.run(events(), loader_file_format="jsonl")  # warm-up: the tables exist
    steps = dict.fromkeys(("extract", "normalize", "load"), 0.0)
    started, before = time.perf_counter(), resource.getrusage(resource.RUSAGE_SELF)
    for _ in range(runs):
        pipeline.run(events(), loader_file_format="jsonl")
        trace = pipeline.last_trace
        for step in trace.steps if trace else []:
            if step.step in steps:
                steps[step.step] += (step.finished_at - step.started_at).total_seconds()
    wall, after = time.perf_counter() - started, resource.getrusage(resource.RUSAGE_SELF)
    cpu = after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime
    parts = " | ".join(f"{steps[name] / runs:.3f}" for name in steps)
    return f"{wall / runs:.3f} | {cpu / runs:.3f} | {parts}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--rows", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=2)
    parser.add_argument("--child", nargs=2, metavar=("FOLDER", "MODE"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(measure(args.child[0], args.runs, args.rows, args.child[1] == "path"))
        return
    print(f"{args.runs} runs of {args.rows} rows, merge into DuckDB; seconds per run\n")
    print("| setting | wall | CPU | extract | normalize | load |\n|---|---:|---:|---:|---:|---:|")
    for _ in range(args.repeat):
        for name, env in SETTINGS.items():
            folder = tempfile.mkdtemp(prefix="dlt-run-cost-")
            mode = "path" if name == "path" else "connection"
            command = [sys.executable, __file__, "--runs", str(args.runs), "--rows", str(args.rows)]
            done = subprocess.run(
                [*command, "--child", folder, mode],
                check=False,
                env={**os.environ, **env},
                capture_output=True,
                text=True,
            )
            shutil.rmtree(folder, ignore_errors=True)
            print(f"| {name} | {done.stdout.strip() or done.stderr.strip()[-300:]} |", flush=True)


if __name__ == "__main__":
    main()
