"""The stored table under HogQL's `groups`: `raw_groups`, one row per version of a group, sorted by its key.

PostHog keeps groups in `groups`, a ReplacingMergeTree by `_timestamp` ORDER BY (team_id, group_type_index,
group_key) (posthog/models/group/sql.py @9d67819c), exposed to HogQL as `raw_groups` with the lazy table's
fields (RawGroupsTable, posthog/hogql/database/schema/groups.py @5735f4ed). Until a background merge it holds
every version: here a quarter of the groups (by a hash of the key) have an older one too, a day older.

Served: the bound of a bounded groups page, `SELECT max(c), count() FROM (SELECT c FROM raw_groups WHERE
[index = i AND] c > x ORDER BY c LIMIT n)` with c `index` or `key`, read in sort order (n rows at most).
Callers hold `dataset.lock`.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left, bisect_right
from typing import Any

from posthog_emulator.hogql.parse import Select
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables.key_range import KeyRange, key_range

DAY_US = 86_400_000_000
RawKey = tuple[int, str]


def _groups(rt: Runtime, pid: int) -> list[dict[str, Any]]:
    return list(rt.dataset.entities[pid].get("groups", []))


def _older(key: str) -> bool:
    return zlib.crc32(key.encode()) % 4 == 0


def rows(rt: Runtime, pid: int) -> list[dict[str, Any]]:
    """`raw_groups` as rows: every group's current version, and the older version a quarter of them have."""
    current = _groups(rt, pid)
    return current + [{**g, "updated_at": g["updated_at"] - DAY_US} for g in current if _older(g["key"])]


def raw_keys(rt: Runtime, pid: int) -> list[RawKey]:
    """The raw rows' (index, key), sorted as the table is; cached until the groups change."""
    groups = rt.dataset.entities[pid].get("groups", [])
    token = (len(groups), max((g["updated_at"] for g in groups), default=0))
    cached = rt.raw_keys.get(("groups", pid))
    if isinstance(cached, tuple) and cached[0] == token:
        keys: list[RawKey] = cached[1]
        return keys
    keys = sorted(
        [(g["index"], g["key"]) for g in groups] + [(g["index"], g["key"]) for g in groups if _older(g["key"])]
    )
    rt.raw_keys[("groups", pid)] = (token, keys)
    rt.settle()
    return keys


def in_range(rt: Runtime, pid: int, where: Any) -> list[RawKey]:
    """The raw keys the AND arms of `where` reach: an `index` range, and a `key` range once `index` is pinned."""
    keys = raw_keys(rt, pid)
    index = key_range(where, "index", int)
    pinned = index.low is not None and index.low == index.high and index.low_inclusive and index.high_inclusive
    if not pinned:
        start, stop = _span(keys, index)
        return keys[start:stop]
    i, bounds = index.low, key_range(where, "key", str)
    if bounds.low is None:
        start = bisect_left(keys, (i, ""))
    else:
        start = (bisect_left if bounds.low_inclusive else bisect_right)(keys, (i, bounds.low))
    if bounds.high is None:
        stop = bisect_left(keys, (i + 1, ""))
    else:
        stop = (bisect_right if bounds.high_inclusive else bisect_left)(keys, (i, bounds.high))
    return keys[start : max(start, stop)]


def bound_row(inner: Select, rt: Runtime, pid: int) -> tuple[list[Any], int]:
    """(`[max(c), count()]` of the subquery's rows, rows it read) for `SELECT c FROM raw_groups .. LIMIT n`."""
    column = str(inner.columns[0][0].value[-1])
    limit = int(inner.limit.value) if inner.limit is not None else 1 << 62
    taken = in_range(rt, pid, inner.where)[:limit]
    position = 0 if column == "index" else 1
    last = taken[-1][position] if taken else (0 if column == "index" else "")
    return [last, len(taken)], len(taken)


def _span(keys: list[RawKey], index: KeyRange) -> tuple[int, int]:
    start = 0 if index.low is None else bisect_left(keys, (index.low + (0 if index.low_inclusive else 1), ""))
    stop = len(keys) if index.high is None else bisect_left(keys, (index.high + (1 if index.high_inclusive else 0), ""))
    return start, max(start, stop)
