"""What grows with the data read (issue 23, flatness): a tracemalloc snapshot diff between two sizes.

The same events read as bench/memory.py's ordinary scenario runs in this process under tracemalloc, at two sizes
(each on its own emulator, in another process, not counted). For each, the Python allocations still alive
when the read ends and the traced peak are taken; the diff of the two end snapshots, by line, is what a larger
project keeps more of (sets or dicts of seen keys, state, logs). Slow (tracemalloc costs ~2-3x): sizes of a
few hundred thousand events are enough to see a trend.

    .venv/bin/python bench/memory_growth.py --sizes 100000,300000
"""

import argparse
import gc
import io
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


def traced_read(rows: int) -> tuple[tracemalloc.Snapshot, int, int]:
    """Read `rows` ordinary events in-process: the end snapshot, the traced peak and the bytes written."""
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
        return snapshot, peak, out.bytes
    finally:
        emulator.process.terminate()
        emulator.process.wait(timeout=60)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="100000,300000", help="two event counts, comma-separated")
    small, large = (int(size) for size in parser.parse_args().sizes.split(","))
    RESULTS.mkdir(parents=True, exist_ok=True)
    runs = {rows: traced_read(rows) for rows in (small, large)}
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
