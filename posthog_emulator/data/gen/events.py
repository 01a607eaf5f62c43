"""Seeded bulk events: a year-plus of traffic, tie blocks, exact midnights, mixed precision.

Fast path for 1M rows: draw timestamps, sort the plain int list once, then mint UUIDv7s in
order and re-sort only the runs of equal timestamps by ClickHouse UUID order.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from posthog_emulator.common.timefmt import DAY_US
from posthog_emulator.data import eventprops
from posthog_emulator.data.eventstore import EventStore
from posthog_emulator.data.weights import HEAVY_EVENTS

INGESTION_LAG_US = (1_000_000, 120_000_000)  # created_at = timestamp + 1..120 s
MIDNIGHT_DAYS = 12  # days with events stamped exactly 00:00:00.000000 UTC
EVENTS_PER_MIDNIGHT = 2
_NAME_TABLE = [i for i, w in enumerate(eventprops.EVENT_WEIGHTS) for _ in range(w)]


def draw_timestamps(rng: random.Random, n: int, start: int, end: int, blocks: Sequence[int]) -> list[int]:
    """N sorted timestamps in [start, end): growing traffic, ties, midnights, coarse precision."""
    span = end - start
    out: list[int] = []
    for size in blocks:
        at = start + int((0.3 + 0.6 * rng.random()) * span)
        out.extend([at - at % 1_000_000] * size)  # a batch import stamped to the second
    first_day = start // DAY_US + 1
    for k in range(MIDNIGHT_DAYS if n - len(out) >= 4 * MIDNIGHT_DAYS * EVENTS_PER_MIDNIGHT else 0):
        midnight = (first_day + k * max(1, (span // DAY_US - 1) // MIDNIGHT_DAYS)) * DAY_US
        if midnight < end:  # a span shorter than MIDNIGHT_DAYS has fewer midnights, never future ones
            out.extend([midnight] * EVENTS_PER_MIDNIGHT)
    rand, sqrt = rng.random, math.sqrt
    for _ in range(max(0, n - len(out))):
        t = start + int(sqrt(rand()) * span)  # density grows over time, like a growing product
        r = rand()
        if r < 0.1:
            t -= t % 1_000_000  # server-side/SDK timestamps with whole seconds
        elif r < 0.3:
            t -= t % 1000  # JavaScript millisecond precision
        out.append(t)
    del out[n:]
    out.sort()
    return out


def fill_store(store: EventStore, rng: random.Random, ts: list[int], seed_base: int) -> None:
    """Mint ids and payload codes for sorted `ts` and bulk-load them into `store`."""
    bits, rand = rng.getrandbits, rng.random
    hi = [((t // 1000) << 16) | 0x7000 | bits(12) for t in ts]
    lo = [(1 << 63) | bits(62) for _ in ts]
    _sort_ties(ts, hi, lo)
    table, n_table, n_ids = _NAME_TABLE, len(_NAME_TABLE), len(store.distinct_ids)
    names = [table[int(rand() * n_table)] for _ in ts]
    dids = [int(rand() * n_ids) for _ in ts]
    seeds = list(range(seed_base, seed_base + len(ts)))
    if store.weights.heavy_fraction:  # by seed hash, not the RNG: every other column stays as it was
        heavy = [store.name_index(name) for name in HEAVY_EVENTS]
        for k, seed in enumerate(seeds):
            if store.weights.is_heavy(mixed := eventprops.mix(seed)):
                names[k] = heavy[mixed & 1]
    store.extend_sorted(ts, hi, lo, name=names, did=dids, seed=seeds, created=ingestion_times(ts, seed_base))


def ingestion_times(ts: list[int], seed: int) -> list[int]:
    """`created_at` per row: its timestamp plus a seeded lag; own RNG, so the other columns stay as before."""
    lag = random.Random(seed).random  # noqa: S311 - seeded test data
    low, high = INGESTION_LAG_US
    width = high - low
    return [t + low + int(lag() * width) for t in ts]


def _sort_ties(ts: list[int], hi: list[int], lo: list[int]) -> None:
    """Within each run of equal timestamps, order rows by (lo, hi): ClickHouse UUID order."""
    n, i = len(ts), 0
    while i < n:
        j = i + 1
        while j < n and ts[j] == ts[i]:
            j += 1
        if j - i > 1:
            pairs = sorted(zip(lo[i:j], hi[i:j], strict=True))
            lo[i:j] = [p[0] for p in pairs]
            hi[i:j] = [p[1] for p in pairs]
        i = j
