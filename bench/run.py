"""Benchmark: this connector vs the existing one vs the physical limit, on the emulator at 127.0.0.1.

    .venv/bin/python bench/run.py [--sizes 10000,100000,1000000] [--runs 3] [--profile] [--quick]

One emulator process per size (build time not counted); clients take turns, each read in a fresh
process timed from spawn to exit, output to a file that is counted afterwards. Results: bench/results/.
"""

import argparse
import json
import statistics
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from budget import budget_lines
from clients import BENCH, CLIENTS, command, ensure_legacy_venv, write_inputs
from emulator import Emulator, running_emulator
from measure import Delivery, RunResult, count_events, timed_run
from profile_report import profile_report

RESULTS = BENCH / "results"
SPAN_DAYS = 401  # the emulator spreads events over 400 days before "now"


@dataclass
class Row:
    """Median figures of one client at one size."""

    size: int
    client: str
    wall_s: float
    cpu_s: float
    events_per_s: float
    peak_rss_mb: float
    requests: int
    query_requests: int
    events_requests: int
    failed_requests: int
    server_s: float
    delivered: int
    records: int
    expected: int
    walls: list[float]


def count_requests(log: list[dict[str, Any]]) -> tuple[int, int, int, int, float]:
    """API requests: all, on /query/, on /events/, answered >= 400, and the server's summed handling time."""
    api = [entry for entry in log if not entry["path"].startswith("/_emulator")]
    query = sum("/query" in entry["path"] for entry in api)
    events = sum(entry["path"].rstrip("/").endswith("/events") for entry in api)
    failed = sum(entry["status"] >= 400 for entry in api)
    return len(api), query, events, failed, sum(entry["duration_s"] for entry in api)


@dataclass(frozen=True)
class Sample:
    """One timed read: its cost, the requests it made and what it delivered."""

    result: RunResult
    requests: tuple[int, int, int, int, float]
    delivery: Delivery


def measure_once(client: str, emulator: Emulator, inputs: dict[str, Path], truth: set[str]) -> Sample:
    """One timed read of `client` in a fresh process; its output is counted after the clock stops."""
    output, log = RESULTS / f"tmp-{client}.jsonl", RESULTS / f"tmp-{client}.stderr"
    emulator.clear_request_log()
    result = timed_run(command(client, inputs), output, log)
    if result.exit_code != 0:
        raise SystemExit(f"{client} exited with {result.exit_code}; see {log}")
    sample = Sample(result, count_requests(emulator.request_log()), count_events(output, truth))
    output.unlink()
    print(
        f"    {client}: {result.wall_s:.2f} s wall, {result.cpu_s:.2f} s CPU, {result.peak_rss_mb:.0f} MB, "
        f"{sample.delivery.delivered:,} events",
        flush=True,
    )
    return sample


def summarise(client: str, samples: list[Sample], expected: int) -> Row:
    """Median wall and CPU time, worst RSS, requests and delivery of the last run."""
    walls = [s.result.wall_s for s in samples]
    wall, last = statistics.median(walls), samples[-1]
    return Row(
        expected, client, wall, statistics.median(s.result.cpu_s for s in samples), last.delivery.delivered / wall,
        max(s.result.peak_rss_mb for s in samples), *last.requests,
        last.delivery.delivered, last.delivery.records, expected, walls,
    )  # fmt: skip


def bench_size(size: int, args: argparse.Namespace) -> list[Row]:
    """Start an emulator with `size` events and measure every client against it."""
    print(f"size {size:,}: building the emulator dataset ...", flush=True)
    with running_emulator(size, args.projects, args.seed, args.real_limits) as emulator:
        truth = emulator.truth_ids()
        start = (datetime.now(UTC) - timedelta(days=SPAN_DAYS)).strftime("%Y-%m-%dT00:00:00Z")
        inputs = write_inputs(RESULTS, emulator, start, args.page_size)
        samples: dict[str, list[Sample]] = {client: [] for client in args.clients}
        for run in range(args.runs):  # round-robin, so a busy moment on the machine hits every client alike
            print(f"  run {run + 1}/{args.runs}", flush=True)
            for client in args.clients:
                samples[client].append(measure_once(client, emulator, inputs, truth))
        rows = [summarise(client, samples[client], len(truth)) for client in args.clients]
        if args.profile and size == max(args.sizes):
            print(f"    profiling ours at {size:,} ...", flush=True)
            report = profile_report(command("ours", inputs, RESULTS / f"profile-{size}.prof"), RESULTS, size)
            print(report, flush=True)
    return rows


TABLE_HEADER = (
    f"{'events':>9} {'client':<8} {'wall s':>8} {'CPU s':>7} {'events/s':>9} {'peak RSS MB':>11} "
    f"{'requests':>8} {'/query':>6} {'/events':>7} {'failed':>6} {'server s':>8} {'delivered / expected':>24}"
)


def table(rows: list[Row]) -> list[str]:
    """The result table, then the ratios a/c and a/b per size."""
    lines = [TABLE_HEADER]
    for r in rows:
        share = f"{r.delivered:,} / {r.expected:,}"
        lines.append(
            f"{r.size:>9,} {r.client:<8} {r.wall_s:>8.2f} {r.cpu_s:>7.2f} {r.events_per_s:>9,.0f} "
            f"{r.peak_rss_mb:>11.0f} "
            f"{r.requests:>8} {r.query_requests:>6} {r.events_requests:>7} {r.failed_requests:>6} "
            f"{r.server_s:>8.2f} {share:>24}"
        )
    for size in sorted({r.size for r in rows}):
        by = {r.client: r for r in rows if r.size == size}
        ours = by.get("ours")
        if ours and "bare" in by:
            lines.append(f"{size:>9,} a/c events/s {ours.events_per_s / by['bare'].events_per_s:.2f} (target >= 0.7)")
        if ours and "legacy" in by:
            legacy = by["legacy"]
            lines.append(
                f"{size:>9,} a/b wall time {ours.wall_s / legacy.wall_s:.2f}, "
                f"delivered {ours.delivered / max(1, legacy.delivered):.1f}x"
            )
    return lines


def budget(rows: list[Row], page_size: int) -> list[str]:
    """The 10M backfill budget from the largest size our connector was measured at."""
    ours = max((r for r in rows if r.client == "ours"), key=lambda r: r.size, default=None)
    return budget_lines((ours.expected, ours.query_requests, ours.wall_s) if ours else None, page_size)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="10000,100000,1000000", help="events per dataset, comma-separated")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per client and size (median reported)")
    parser.add_argument("--quick", action="store_true", help="smoke test: sizes 10000,100000 and 1 run")
    parser.add_argument("--profile", action="store_true", help="cProfile one extra read of ours at the largest size")
    parser.add_argument(
        "--clients",
        default=",".join(CLIENTS),
        help="subset of ours,legacy,bare,previous (previous: $SOURCE_POSTHOG_PREVIOUS)",
    )
    parser.add_argument("--projects", type=int, default=3, help="projects holding events (plus 2 edge projects)")
    parser.add_argument("--page-size", type=int, default=20000, help="events_page_size for ours and the bare loop")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--real-limits", action="store_true", help="emulator enforces PostHog's rate limits")
    args = parser.parse_args()
    if args.quick:
        args.sizes, args.runs = "10000,100000", 1
    args.sizes = [int(size) for size in args.sizes.split(",")]
    args.clients = [client for client in args.clients.split(",") if client]
    return args


def main() -> None:
    args = parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if "legacy" in args.clients:
        ensure_legacy_venv()
    started = time.monotonic()
    rows = [row for size in args.sizes for row in bench_size(size, args)]
    lines = [*table(rows), "", *budget(rows, args.page_size)]
    print("\n" + "\n".join(lines))
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    settings = vars(args)
    (RESULTS / f"bench-{stamp}.json").write_text(json.dumps({"settings": settings, "rows": [asdict(r) for r in rows]}))
    (RESULTS / f"bench-{stamp}.txt").write_text("\n".join(lines) + "\n")
    print(f"\n{time.monotonic() - started:.0f} s in all; results in {RESULTS}/bench-{stamp}.*")


if __name__ == "__main__":
    main()
