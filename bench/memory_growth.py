"""What grows with the data read (issue 23, flatness): a tracemalloc snapshot diff between two sizes.

The same events read as bench/memory.py's ordinary scenario runs under tracemalloc at two sizes, each in a fresh
process (so module caches start empty in both) on its own emulator (another process, not counted). For each, the
Python allocations still alive when the read ends and the traced peak are taken; the diff of the two end
snapshots, by line, is what a larger project keeps more of (sets or dicts of seen keys, state, logs). Slow
(tracemalloc costs ~2-3x): sizes of a few hundred thousand events are enough to see a trend.

    .venv/bin/python bench/memory_growth.py --sizes 100000,300000
"""

import argparse
import gc
import io
import subprocess
import sys
import tracemalloc
from typing import Any

from memory import RESULTS, SCENARIOS, read_command, start_emulator

from source_posthog.airbyte.cli import main as connector_main

TOP = 15


class Discard(io.RawIOBase):
    """The connector's stdout, counted and dropped."""

    def __init__(self) -> None:
        self.bytes = 0

    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        self.bytes += len(data)
        return len(data)


def traced_read(rows: int) -> None:
    """Read `rows` ordinary events in this process; dump the end snapshot, print the traced peak and bytes written."""
    scenario = SCENARIOS[0]
    emulator = start_emulator(scenario, rows)
    try:
        argv = read_command(scenario, emulator, "source-posthog", f"growth-{rows}")[1:]
        out = Discard()
        gc.collect()
        tracemalloc.start(4)
        code = connector_main(argv, stdout=io.BufferedWriter(out, 1 << 20))
        gc.collect()
        snapshot = tracemalloc.take_snapshot()
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        assert code == 0, f"exit {code}"
        snapshot.dump(str(RESULTS / f"growth-{rows}.snapshot"))
        print(peak, out.bytes)
    finally:
        emulator.process.terminate()
        emulator.process.wait(timeout=60)


def in_child(rows: int) -> tuple[tracemalloc.Snapshot, int, int]:
    """`traced_read` in a fresh interpreter: the snapshot, the traced peak, the bytes written."""
    done = subprocess.run([sys.executable, __file__, "--child", str(rows)], capture_output=True, text=True, check=True)
    peak, written = (int(word) for word in done.stdout.split()[-2:])
    return tracemalloc.Snapshot.load(str(RESULTS / f"growth-{rows}.snapshot")), peak, written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,300000", help="two event counts, comma-separated")
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    if args.child:
        traced_read(args.child)
        return
    small, large = (int(size) for size in args.sizes.split(","))
    runs = {rows: in_child(rows) for rows in (small, large)}
    for rows, (snapshot, peak, written) in runs.items():
        alive = sum(stat.size for stat in snapshot.statistics("filename"))
        print(f"{rows:>10,} events: traced peak {peak / 2**20:.1f} MB, alive at the end {alive / 2**20:.1f} MB, "
              f"{written / 2**20:.0f} MB written")  # fmt: skip
    diff = runs[large][0].compare_to(runs[small][0], "lineno")
    print(f"\nGrown from {small:,} to {large:,} events (alive at the end), top {TOP}:")
    for stat in diff[:TOP]:
        print(f"  {stat.size_diff / 1024:+9.1f} KB {stat.count_diff:+8} blocks  {stat.traceback[0]}")


if __name__ == "__main__":
    main()
