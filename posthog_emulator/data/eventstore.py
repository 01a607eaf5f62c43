"""One project's events, columnar and sorted by (timestamp, uuid) in ClickHouse's UUID order.

ClickHouse stores a UUID as two little-endian UInt64 halves and compares the *second* half of
the canonical text first, then the first half (ClickHouse issues #51063 and #110066, PR #52070:
`ffffffff-ffff-ffff-0000-000000000000` sorts before `00000000-0000-0000-ffff-ffffffffffff`).
So rows are ordered by (ts, lo, hi) where hi/lo are the first/second 64 bits of the UUID text,
which makes `ORDER BY timestamp, uuid` the storage order and keyset lookups plain bisects.
Properties are derived from a per-row seed (see eventprops); custom ones live in a side list.
"""

from __future__ import annotations

import bisect
import threading
from array import array
from dataclasses import dataclass
from typing import Any

import orjson

from posthog_emulator.config.weights import Weights
from posthog_emulator.data import eventprops


@dataclass(frozen=True)
class Custom:
    """Payload of an appended event that was given explicit properties or elements."""

    properties: dict[str, Any]
    elements_chain: str


class EventStore:
    """Parallel arrays: ts (us), hi, lo, name index, distinct-id index, payload seed, ingestion time."""

    def __init__(self, distinct_ids: list[str], weights: Weights | None = None) -> None:
        self.ts = array("q")
        self.hi = array("Q")
        self.lo = array("Q")
        self.name = array("H")
        self.did = array("I")
        self.seed = array("q")  # >= 0: generated payload seed; < 0: index ~seed into custom
        self.created = array("q")  # ingestion time (us): HogQL `created_at`, not on /events/
        self.names: list[str] = list(eventprops.EVENT_NAMES)
        self.distinct_ids = distinct_ids
        self.custom: list[Custom] = []
        self.weights = weights or Weights()
        """Payload weights of generated rows (issue 23); the default keeps the light payloads."""
        self._weighted = self.weights != Weights()
        self.lock = threading.RLock()
        self._name_index = {n: i for i, n in enumerate(self.names)}
        self._did_index = {d: i for i, d in enumerate(distinct_ids)}

    def __len__(self) -> int:
        return len(self.ts)

    def uuid(self, i: int) -> str:
        """Canonical UUID text of row i."""
        h = f"{self.hi[i]:016x}{self.lo[i]:016x}"
        return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"

    def event(self, i: int) -> str:
        """Event name of row i."""
        return self.names[self.name[i]]

    def distinct_id(self, i: int) -> str:
        """Distinct id of row i."""
        return self.distinct_ids[self.did[i]]

    def properties(self, i: int) -> dict[str, Any]:
        """Property dict of row i (a fresh copy)."""
        seed = self.seed[i]
        if seed < 0:
            return dict(self.custom[~seed].properties)
        if self._weighted:
            parsed: dict[str, Any] = orjson.loads(self.properties_json(i))
            return parsed
        return eventprops.event_properties(seed, self.event(i))

    def properties_json(self, i: int) -> str:
        """Properties of row i as a JSON string (the /query/ cell)."""
        seed = self.seed[i]
        if seed < 0:
            return orjson.dumps(self.custom[~seed].properties).decode()
        if self._weighted:
            return eventprops.weighted_properties_json(seed, self.names[self.name[i]], self.weights)
        return eventprops.event_properties_json(seed, self.names[self.name[i]])

    def elements_chain(self, i: int) -> str:
        """`elements_chain` of row i ('' for non-autocapture events)."""
        seed = self.seed[i]
        if seed < 0:
            return self.custom[~seed].elements_chain
        return eventprops.elements_chain_for(seed, self.event(i))

    def span(self, lo_us: int | None, hi_us: int | None) -> tuple[int, int]:
        """Row range [start, stop) whose timestamps lie in [lo_us, hi_us] (None = open)."""
        start = 0 if lo_us is None else bisect.bisect_left(self.ts, lo_us)
        stop = len(self.ts) if hi_us is None else bisect.bisect_right(self.ts, hi_us)
        return start, max(start, stop)

    def ids(self) -> list[str]:
        """Every row's UUID text in storage order."""
        return [self.uuid(i) for i in range(len(self.ts))]

    def extend_sorted(
        self,
        ts: list[int],
        hi: list[int],
        lo: list[int],
        *,
        name: list[int],
        did: list[int],
        seed: list[int],
        created: list[int],
    ) -> None:
        """Bulk load rows already in (ts, lo, hi) order (the generator's fast path)."""
        self.created.extend(created)
        self.ts.extend(ts)
        self.hi.extend(hi)
        self.lo.extend(lo)
        self.name.extend(name)
        self.did.extend(did)
        self.seed.extend(seed)

    def insert(
        self, ts: int, uuid_int: int, *, event: str, distinct_id: str, custom: Custom | None, seed: int, created: int
    ) -> None:
        """Insert one row at its sorted position (appends are rare; memmove is fine)."""
        hi, lo = uuid_int >> 64, uuid_int & 0xFFFFFFFFFFFFFFFF
        with self.lock:
            pos = bisect.bisect_left(self.ts, ts)
            end = bisect.bisect_right(self.ts, ts)
            while pos < end and (self.lo[pos], self.hi[pos]) < (lo, hi):
                pos += 1
            if custom is not None:
                self.custom.append(custom)
                seed = ~(len(self.custom) - 1)
            for column, value in (
                (self.ts, ts),
                (self.hi, hi),
                (self.lo, lo),
                (self.name, self._intern_name(event)),
                (self.did, self._intern_did(distinct_id)),
                (self.seed, seed),
                (self.created, created),
            ):
                column.insert(pos, value)

    def name_index(self, event: str) -> int:
        """The index of an event name in `names`, added if new (heavy events of the weights switch)."""
        with self.lock:
            return self._intern_name(event)

    def _intern_name(self, event: str) -> int:
        if event not in self._name_index:
            self._name_index[event] = len(self.names)
            self.names.append(event)
        return self._name_index[event]

    def _intern_did(self, distinct_id: str) -> int:
        if distinct_id not in self._did_index:
            self._did_index[distinct_id] = len(self.distinct_ids)
            self.distinct_ids.append(distinct_id)
        return self._did_index[distinct_id]
