"""Peak RSS, time and /query/ requests of one 1M read per page size: memory is bounded by the page.

    .venv/bin/python bench/page_sizes.py [--events 1000000] [--page-sizes 5000,10000,20000,40000]

One emulator (build time not counted), then one fresh `ours` read per page size, as in run.py.
"""

import argparse
from datetime import UTC, datetime, timedelta

from clients import command, write_inputs
from emulator import running_emulator
from run import RESULTS, SPAN_DAYS, measure_once


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--page-sizes", default="5000,10000,20000,40000")
    parser.add_argument("--projects", type=int, default=3)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    lines = [f"{'page size':>9} {'wall s':>7} {'CPU s':>6} {'peak RSS MB':>11} {'/query':>6} {'delivered':>10}"]
    with running_emulator(args.events, args.projects, args.seed, real_limits=False) as emulator:
        truth = emulator.truth_ids()
        start = (datetime.now(UTC) - timedelta(days=SPAN_DAYS)).strftime("%Y-%m-%dT00:00:00Z")
        for page_size in (int(size) for size in args.page_sizes.split(",")):
            inputs = write_inputs(RESULTS, emulator, start, page_size)
            print(f"page size {page_size:,}: {' '.join(command('ours', inputs)[:2])} ...", flush=True)
            sample = measure_once("ours", emulator, inputs, truth)
            r = sample.result
            lines.append(
                f"{page_size:>9,} {r.wall_s:>7.2f} {r.cpu_s:>6.2f} {r.peak_rss_mb:>11.0f} "
                f"{sample.requests[1]:>6} {sample.delivery.delivered:>10,}"
            )
    print(f"\n{args.events:,} events, one read per page size:\n" + "\n".join(lines))


if __name__ == "__main__":
    main()
