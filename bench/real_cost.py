"""Events under PostHog Cloud's limits and a real query-cost model: events/hour against the ceiling.

The emulator runs as its own process with `--real-cost` (fixed 0.15 s per query, 1e-8 s per scanned row,
3e-7 s per matched row, 3e-5 s per returned row, the 10 s limit; DESIGN.md says why) and `--real-limits`
(240/min and 2,400/h for /query/, 3 queries in flight per project, a 30 s queue). One dense project; each
generated event stands for `--row-scale` rows of ClickHouse work, so 1M events cost like a 100M-row
project. Clients: this connector with 3 queries in flight, the same with 1 (serial), and optionally an
earlier build ($SOURCE_POSTHOG_PREVIOUS, e.g. the fixed 30-day-window reader).

The ceiling: PostHog allows 2,400 queries/h of at most 50,000 rows, 3 at once, each under 10 s, so
events/h <= min(2,400 x 50,000, 3 x 3,600 / t(50,000) x 50,000), t(n) = the cost model's time for a page
of n rows. A read shorter than an hour is not held to the hourly bucket, so each client's sustained rate
is min(its measured events/h, 2,400 x its rows per query) and is what the ratio compares.
"""

import argparse
import os
import statistics
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
from emulator import PYTHON, ROOT, Emulator
from measure import count_events, timed_run

RESULTS = ROOT / "bench" / "results"
OURS = ROOT / ".venv" / "bin" / "source-posthog"
QUERIES_PER_HOUR, MAX_ROWS, IN_FLIGHT, LIMIT_S = 2_400, 50_000, 3, 10.0
FIXED_S, SCANNED_S, MATCHED_S, RETURNED_S = 0.15, 1e-8, 3e-7, 3e-5  # the emulator's --real-cost preset


def start_emulator(args: argparse.Namespace) -> tuple[Emulator, subprocess.Popen[bytes]]:
    command = [str(PYTHON), "-m", "posthog_emulator", "--port", "0", "--seed", str(args.seed)]
    command += ["--events", str(args.events), "--projects", "1", "--no-edge-projects"]
    command += ["--span-days", str(args.span_days), "--real-cost", "--real-limits"]
    command += ["--cost-row-scale", str(args.row_scale), "--time-scale", str(args.time_scale)]
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    assert process.stdout is not None
    ready = orjson.loads(process.stdout.readline())
    return Emulator(ready["base_url"], ready["api_key"], process), process


def client_command(name: str, workdir: Path, emulator: Emulator, args: argparse.Namespace) -> list[str]:
    start = (datetime.now(UTC) - timedelta(days=args.span_days + 1)).strftime("%Y-%m-%dT00:00:00Z")
    config: dict[str, Any] = {"api_key": emulator.api_key, "start_date": start, "base_url": emulator.base_url}
    if name != "previous":
        config |= {"events_page_size": args.page_size, "max_concurrent_queries": 1 if name == "serial" else 3}
    stream = {"name": "events", "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}
    catalog = {"streams": [{"stream": stream, "sync_mode": "incremental", "destination_sync_mode": "append"}]}
    for file, content in (("config", config), ("catalog", catalog)):
        (workdir / f"{name}-{file}.json").write_bytes(orjson.dumps(content))
    executable = os.environ["SOURCE_POSTHOG_PREVIOUS"] if name == "previous" else str(OURS)
    return [
        executable,
        "read",
        "--config",
        str(workdir / f"{name}-config.json"),
        "--catalog",
        str(workdir / f"{name}-catalog.json"),
    ]


def page_time(rows: int, args: argparse.Namespace) -> float:
    """The cost model's seconds for a page of `rows` rows in a window of as many, on a day of the dense project."""
    per_day = float(args.events) / args.span_days * args.row_scale
    return float(FIXED_S + per_day * SCANNED_S + rows * args.row_scale * MATCHED_S + rows * RETURNED_S)


def ceiling(args: argparse.Namespace) -> float:
    """Events/h PostHog's limits allow under the cost model (see the module docstring)."""
    return min(QUERIES_PER_HOUR * MAX_ROWS, IN_FLIGHT * 3600 / page_time(MAX_ROWS, args) * MAX_ROWS)


def measure(name: str, emulator: Emulator, truth: set[str], args: argparse.Namespace) -> dict[str, Any]:
    emulator.clear_request_log()
    command = client_command(name, RESULTS, emulator, args)
    run = timed_run(command, RESULTS / f"real-{name}.jsonl", RESULTS / f"real-{name}.log")
    log = [entry for entry in emulator.request_log() if entry["path"].endswith("/query/")]
    delivered = count_events(RESULTS / f"real-{name}.jsonl", truth)
    pages = [entry for entry in log if "ORDER BY" in str(entry.get("body")) and entry["status"] == 200]
    rows_per_query = delivered.records / max(1, len(pages))
    measured = delivered.records / run.wall_s * 3600 / args.time_scale  # simulated seconds are scaled
    return {
        "client": name, "wall_s": run.wall_s, "rss_mb": run.peak_rss_mb, "exit": run.exit_code,
        "requests": len(log), "timeouts": sum(entry["status"] == 504 for entry in log),
        "throttled": sum(entry["status"] == 429 for entry in log), "delivered": delivered.delivered,
        "records": delivered.records, "sustained": min(measured, QUERIES_PER_HOUR * rows_per_query),
    }  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--span-days", type=int, default=30)
    parser.add_argument("--row-scale", type=float, default=100.0, help="ClickHouse rows each event stands for")
    parser.add_argument("--time-scale", type=float, default=1.0, help="multiplies every simulated time")
    parser.add_argument("--page-size", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--clients", default="ours,serial", help="ours,serial,previous")
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    emulator, process = start_emulator(args)
    try:
        truth = emulator.truth_ids()
        rows = [measure(name, emulator, truth, args) for _ in range(args.runs) for name in args.clients.split(",")]
    finally:
        process.terminate()
        process.wait(timeout=30)
    report(rows, args)


HEADER = ("client", "wall s", "RSS MB", "requests", "504", "429", "per 1M", "events/h", "of ceiling", "delivered")
LINE = "{:<9} {:>7} {:>7} {:>8} {:>4} {:>4} {:>7} {:>10} {:>10} {:>22}"


def report(rows: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """The table: for each client the run with the median wall time."""
    top, page_s = ceiling(args), page_time(MAX_ROWS, args)
    print(f"\n{args.events:,} events, 1 project over {args.span_days} days, each event = {args.row_scale:g} rows;")
    print(f"ceiling under the cost model: {top / 1e6:,.1f}M events/h (a 50,000-row page takes {page_s:.2f} s)")
    print(LINE.format(*HEADER))
    by_client: dict[str, list[dict[str, Any]]] = {}
    for row in rows:
        by_client.setdefault(row["client"], []).append(row)
    for name, runs in by_client.items():
        row = min(runs, key=lambda r: abs(r["wall_s"] - statistics.median(x["wall_s"] for x in runs)))
        per_million = row["requests"] / max(1, row["records"]) * 1e6
        cells: list[Any] = [name, f"{row['wall_s']:.1f}", f"{row['rss_mb']:.0f}", row["requests"], row["timeouts"]]
        cells += [row["throttled"], f"{per_million:.0f}", f"{row['sustained'] / 1e6:.1f}M"]
        cells += [f"{row['sustained'] / top:.2f}", f"{row['delivered']:,} / {args.events:,}"]
        print(LINE.format(*cells))
    sys.stdout.flush()


if __name__ == "__main__":
    main()
