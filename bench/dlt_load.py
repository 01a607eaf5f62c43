"""Events into DuckDB through dlt (`source-posthog-load`) vs PyAirbyte into DuckDB vs the Airbyte CLI to /dev/null.

    .venv/bin/python bench/dlt_load.py [--events 1000000] [--runs 1] [--clients dlt,dlt-50k,dlt-once,Airbyte,PyAirbyte]
    .venv/bin/python bench/dlt_load.py --events 100000 --clients dlt,dlt-unbounded \
        --emulator-flags "--realistic-weights --heavy-events 0.05 --heavy-kb 150"     # dlt's item buffer, fat rows

One emulator process (bench/emulator.py, quirks on, 3 projects; build time not counted); each client reads the
events stream alone, in a fresh process timed from spawn to exit with the peak RSS of its process tree
(bench/measure.py: PyAirbyte's tree includes the connector process it starts). Every client starts from nothing:
a new DuckDB file (dlt, PyAirbyte) or no state (CLI). Rows are counted in the DuckDB files after the clock stops.
PyAirbyte needs .venv-eco (scripts/eco-setup.sh); without it that row is skipped. `dlt runs` counts the dlt runs
(commits) of a dlt client, from its progress lines.
"""

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import orjson
from emulator import PYTHON, ROOT, Emulator
from measure import RunResult, timed_run

VENV = ROOT / ".venv" / "bin"
ECO_PYTHON = ROOT / ".venv-eco" / "bin" / "python"
OFFLINE = {"AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1", "NO_LIVE_PROGRESS": "1"}
SPAN_DAYS = 401  # the emulator spreads events over 400 days before "now"
COMMITTED = b"checkpoint committed"
UNBOUNDED = {"DATA_WRITER__BUFFER_MAX_ITEMS": "5000"}  # dlt's default buffer: what the load had before issue 25's fix


@contextmanager
def running_emulator(events: int, seed: int, flags: list[str]) -> Iterator[Emulator]:
    """bench/emulator.py's `running_emulator` (3 projects, quirks on), with extra emulator flags (row weights)."""
    command = [str(PYTHON), "-m", "posthog_emulator", "--host", "127.0.0.1", "--port", "0", "--seed", str(seed)]
    command += ["--events", str(events), "--projects", "3", *flags]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        ready = orjson.loads(process.stdout.readline())
        yield Emulator(ready["base_url"], ready["api_key"], process)
    finally:
        process.terminate()
        process.wait(timeout=30)


def write_inputs(folder: Path, emulator: Emulator) -> tuple[Path, Path]:
    """The connector's config and an events-only catalog."""
    start = (datetime.now(UTC) - timedelta(days=SPAN_DAYS)).strftime("%Y-%m-%dT00:00:00Z")
    config = folder / "config.json"
    config.write_text(json.dumps({"api_key": emulator.api_key, "base_url": emulator.base_url, "start_date": start}))
    stream = {"name": "events", "json_schema": {}, "supported_sync_modes": ["incremental"]}
    entry = {
        "stream": stream,
        "sync_mode": "incremental",
        "destination_sync_mode": "append",
        "cursor_field": ["timestamp"],
    }
    catalog = folder / "catalog.json"
    catalog.write_text(json.dumps({"streams": [entry]}))
    return config, catalog


def commands(folder: Path, config: Path, catalog: Path) -> dict[str, list[str]]:
    """Each client's command line; each run gets a fresh output folder (`folder/out`).

    `dlt` is the command as shipped (a commit at every page's STATE, `--checkpoint-records 1`); `dlt-50k` is the
    previous default (a commit at the first STATE after 50,000 events); `dlt-once` commits once at the end of the
    read (`--checkpoint-records 0`), which shows what the commits cost. `dlt-unbounded` is `dlt` with dlt's own
    item buffer at its default 5,000 items (UNBOUNDED), not sized by the memory budget.
    """
    out = folder / "out"
    load = [str(VENV / "source-posthog-load"), "--config", str(config), "--duckdb", str(out / "posthog.duckdb")]
    load += ["--streams", "events"]
    found = {
        "dlt -> DuckDB": load,
        "dlt-unbounded -> DuckDB": load,
        "dlt-50k -> DuckDB": [*load, "--checkpoint-records", "50000"],
        "dlt-once -> DuckDB": [*load, "--checkpoint-records", "0"],
        "Airbyte CLI -> /dev/null": [
            str(VENV / "source-posthog"),
            "read",
            "--config",
            str(config),
            "--catalog",
            str(catalog),
        ],
    }
    if ECO_PYTHON.exists():
        script = str(ROOT / "bench" / "pyairbyte_load.py")
        found["PyAirbyte -> DuckDB"] = [str(ECO_PYTHON), script, str(VENV / "source-posthog"), str(config), str(out)]
    return found


def rows_loaded(client: str, out: Path, log: Path) -> int | None:
    """Distinct event ids the client's DuckDB holds (None for /dev/null)."""
    if client.startswith("dlt"):
        with duckdb.connect(str(out / "posthog.duckdb"), read_only=True) as connection:
            row = connection.execute("SELECT count(DISTINCT id) FROM posthog_data.events").fetchone()
        return int(row[0]) if row else 0
    if client.startswith("PyAirbyte"):
        last = [line for line in (out / "summary.json").read_text().splitlines() if line.startswith('{"rows"')][-1]
        return int(json.loads(last)["distinct"])  # PyAirbyte prints its own progress to stdout too
    return None


def run_client(client: str, command: list[str], folder: Path) -> tuple[RunResult, int | None, int]:
    """One timed run from a fresh output folder: its result, rows loaded and dlt runs."""
    out = folder / "out"
    shutil.rmtree(out, ignore_errors=True)
    out.mkdir()
    stdout = out / "summary.json" if client.startswith("PyAirbyte") else Path("/dev/null")
    env = {
        **os.environ,
        **OFFLINE,
        "AIRBYTE_LOGGING_ROOT": str(folder / "logs"),
        **(UNBOUNDED if client.startswith("dlt-unbounded") else {}),
    }  # PyAirbyte: no registry, no telemetry
    result = timed_run(command, stdout, folder / "stderr.txt", env=env)
    if result.exit_code != 0:
        tail = (folder / "stderr.txt").read_text()[-2000:]
        raise SystemExit(f"{client} exited with {result.exit_code}:\n{tail}")
    dlt_runs = (folder / "stderr.txt").read_bytes().count(COMMITTED) + 1 if client.startswith("dlt") else 0
    return result, rows_loaded(client, out, folder / "stderr.txt"), dlt_runs


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--clients", default="dlt,dlt-50k,dlt-once,Airbyte,PyAirbyte", help="which clients (first word of the name)"
    )
    parser.add_argument("--emulator-flags", default="", help="more emulator flags, e.g. '--realistic-weights'")
    args = parser.parse_args()
    rows: list[dict[str, Any]] = []
    with (
        tempfile.TemporaryDirectory() as tmp,
        running_emulator(args.events, args.seed, shlex.split(args.emulator_flags)) as emu,
    ):
        folder = Path(tmp)
        config, catalog = write_inputs(folder, emu)
        expected = len(emu.truth_ids())
        chosen = args.clients.split(",")
        for client, command in commands(folder, config, catalog).items():
            if client.split()[0] not in chosen:
                continue
            runs = [run_client(client, command, folder) for _ in range(args.runs)]
            wall = statistics.median(result.wall_s for result, _, _ in runs)
            rss = max(result.peak_rss_mb for result, _, _ in runs)
            loaded, dlt_runs = runs[-1][1], runs[-1][2]
            rows.append(
                {
                    "client": client,
                    "wall_s": wall,
                    "events_per_s": expected / wall,
                    "peak_rss_mb": rss,
                    "loaded": loaded,
                    "dlt_runs": dlt_runs,
                }
            )
            print(f"  {client}: {wall:.1f} s, {rss:.0f} MB, {loaded} rows, {dlt_runs} dlt runs", flush=True)
    print(f"\n{expected:,} events, median of {args.runs} run(s)\n")
    print("| client | wall s | events/s | peak RSS MB | rows in DuckDB | dlt runs |\n|---|---:|---:|---:|---:|---:|")
    for row in rows:
        count = "-" if row["loaded"] is None else f"{row['loaded']:,}"
        figures = f"{row['wall_s']:.1f} | {row['events_per_s']:,.0f} | {row['peak_rss_mb']:.0f}"
        print(f"| {row['client']} | {figures} | {count} | {row['dlt_runs'] or '-'} |")


if __name__ == "__main__":
    main()
