"""Persons and person_distinct_ids through /query/: rows PostHog reads, queries, time, peak RSS; this branch
against the reader before issue 27 (`previous`: commit 9beb8bd, extracted to bench/.previous-9beb8bd and run
with this venv's Python), and the `/persons/` list fallback (`list`).

One project of N persons (`--sizes`); the emulator runs as its own process with quirks on and its cost model
for person tables (posthog_emulator/query/table_cost.py: rows read per query by PostHog's pushdown rules, the
`QueryCost.real()` per-row figures, no sleeping and no 10 s cut, so a reader that would time out still
finishes and its rows are counted; `over 10 s` counts its queries PostHog would have answered with a 504).
Rows read are the emulator's (each person, distinct id and version one row). One emulator per size, its
indexes built before the first run; above 2M persons it holds slim persons (one property, ~1 KB each: 10M fit
in ~14 GB), and a guard stops it if the machine runs short of memory. `--time-limit 10` turns PostHog's 10 s
limit on: a reader whose queries need longer fails at its first such query, as against PostHog (the `exit`
column). Analytic figures for 100M: bench/persons_cost.py, same rules. Usage (both streams, both readers):
`.venv/bin/python bench/persons.py --sizes 100000,1000000`; at 10M `--persons 10000000 --time-limit 10`.
To measure a fixed commit while its worktree changes, run the bench from a copy (`git archive HEAD | tar -x
-C /tmp/copy`, `.venv` linked in): both readers run from source trees (bench/persons_run.py).
"""

import argparse
import threading
from typing import Any

from emulator import Emulator
from measure import timed_run
from persons_run import RESULTS, configure, delivered, guard, read_command, start_emulator

LINE = "{:>10} {:<19} {:<8} {:>7} {:>14} {:>12} {:>10} {:>8} {:>9} {:>7} {:>7} {:>4} {:>23}"
HEADER = ("persons", "stream", "reader", "queries", "rows read", "rows/1M p.", "rows/page", "over 10s", "server s")
TAIL = ("wall s", "RSS MB", "exit", "records / distinct keys")


def measure(emulator: Emulator, persons: int, stream: str, reader: str, time_limit_s: float | None) -> list[str]:
    """One read; the request log counts only this run's requests; RSS is the connector's process tree."""
    name = f"{persons}-{stream}-{reader}"
    configure(emulator, time_limit_s)
    emulator.clear_request_log()
    output = RESULTS / f"persons-{name}.jsonl"
    run = timed_run(read_command(emulator, name, stream, reader), output, RESULTS / f"persons-{name}.log")
    log = emulator.request_log()
    costs: list[dict[str, Any]] = [entry["query_cost"] for entry in log if "query_cost" in entry]
    rows = sum(cost["scanned_rows"] for cost in costs)
    per_page = max((cost["scanned_rows"] for cost in costs), default=0)
    over = sum(cost["simulated_s"] > 10 for cost in costs)
    server = sum(cost["simulated_s"] for cost in costs)
    records, keys = delivered(output, stream)
    output.unlink()  # gigabytes at 10M
    cells = [f"{len(log):,}", f"{rows:,}", f"{rows / (persons / 1e6):,.0f}", f"{per_page:,}", str(over)]
    cells += [f"{server:,.0f}", f"{run.wall_s:.1f}", f"{run.peak_rss_mb:.0f}", str(run.exit_code)]
    return [*cells, f"{records:,} / {keys:,}"]


def measure_size(persons: int, args: argparse.Namespace, query_api: bool) -> None:
    """Every (stream, reader) of one size against one emulator (`list`: the `/persons/` list, without /query/)."""
    readers = [reader for reader in args.readers.split(",") if (reader == "list") != query_api]
    streams = [stream for stream in args.streams.split(",") if query_api or stream == "persons"]
    if not readers or not streams:
        return
    emulator = start_emulator(persons, query_api)
    stop = threading.Event()
    guard(emulator.process, stop)
    try:
        for stream in streams:
            for reader in readers:
                cells = measure(emulator, persons, stream, reader, args.time_limit)
                print(LINE.format(f"{persons:,}", stream, reader, *cells), flush=True)
    finally:
        stop.set()
        emulator.process.terminate()
        emulator.process.wait(timeout=120)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,1000000", help="persons per project, comma-separated")
    parser.add_argument("--persons", type=int, help="one size (e.g. 10000000), in place of --sizes")
    parser.add_argument("--readers", default="ours,previous", help="ours, previous (commit 9beb8bd), list")
    parser.add_argument("--streams", default="persons,person_distinct_ids", help="persons, person_distinct_ids")
    parser.add_argument("--time-limit", type=float, help="PostHog's query time limit in s (10); default: none")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    print(LINE.format(*HEADER, *TAIL), flush=True)
    for size in [args.persons] if args.persons else [int(s) for s in args.sizes.split(",")]:
        measure_size(size, args, query_api=True)
        measure_size(size, args, query_api=False)


if __name__ == "__main__":
    main()
