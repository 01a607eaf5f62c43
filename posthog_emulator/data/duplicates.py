"""Events stored twice, as ClickHouse's ReplacingMergeTree keeps them until a background merge.

Which rows are doubled is a seeded hash of the UUID, not of the row index, so the choice survives
appends and runtime reconfiguration; the store itself keeps one row, and readers emit it twice.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from posthog_emulator.data.eventstore import EventStore

MASK64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15  # Fibonacci hashing: spreads sequential UUIDs too
SCALE = 1 << 32


def row_test(store: EventStore, fraction: float, salt: int) -> Callable[[int], bool] | None:
    """Row index -> stored twice; None when the quirk is off (the fast paths skip it)."""
    if fraction <= 0:
        return None
    threshold = int(min(fraction, 1.0) * SCALE)
    lo, hi = store.lo, store.hi
    return lambda i: ((((lo[i] ^ hi[i] ^ salt) * GOLDEN) & MASK64) >> 32) < threshold


def expand(rows: Iterable[int], duplicate: Callable[[int], bool] | None) -> Iterator[int]:
    """Each row index, twice in a row when it is stored twice (identical rows sort adjacent)."""
    if duplicate is None:
        yield from rows
        return
    for i in rows:
        yield i
        if duplicate(i):
            yield i


def duplicated_ids(store: EventStore, fraction: float, salt: int) -> list[str]:
    """UUIDs of the rows stored twice, in storage order."""
    test = row_test(store, fraction, salt)
    if test is None:
        return []
    with store.lock:
        return [store.uuid(i) for i in range(len(store)) if test(i)]
