"""The stored person tables under HogQL's `persons` / `person_distinct_ids`, as sorted keys: the raw rows.

PostHog keeps persons in `person` (ReplacingMergeTree by `version`, ORDER BY (team_id, id)) and distinct ids in
`person_distinct_id2` (ORDER BY (team_id, distinct_id)) (posthog/models/person/sql.py @13e21786); HogQL
exposes them as `raw_persons` / `raw_person_distinct_ids` (RawPersonsTable, persons.py @5ece335f;
RawPersonDistinctIdsTable, person_distinct_ids.py @c1431f56). Until a background merge they hold every
version of a row and the rows of deleted persons. Here: a quarter of the persons (by a hash of the id) and an
eighth of the distinct ids have an older version too; a person deleted or merged (query/person_churn) leaves
its id, and its distinct ids, behind as rows (`Runtime.person_tombstones`).

Served: the bound of a bounded keyset page, `SELECT max(k), count() FROM (SELECT k FROM raw_t [WHERE k > x]
ORDER BY k LIMIT n)`, read in sort order (n rows at most), and the distinct-id pages `person_distinct_ids WHERE
distinct_id > a AND distinct_id <= b ORDER BY distinct_id LIMIT n`, from a sorted index. Callers hold
`dataset.lock`.
"""

from __future__ import annotations

import zlib
from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql.parse import Select
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import person_index, raw_groups
from posthog_emulator.tables.key_range import KeyRange, key_range

RAW_TABLES = ("raw_persons", "raw_person_distinct_ids", "raw_groups")  # raw_groups: tables/raw_groups
KEY_OF = {"raw_persons": "id", "raw_person_distinct_ids": "distinct_id"}


@dataclass
class RawKeys:
    """One project's raw keys, both tables sorted (UUIDs as ClickHouse-order ints), and the live distinct ids."""

    built_from: object  # the PersonIndex they were built from: a new index means rebuild
    persons: list[int]
    distinct_ids: list[str]
    live_ids: list[str]  # the live distinct ids, sorted
    owners: list[str]  # owner person of each live distinct id


def raw_keys(rt: Runtime, pid: int) -> RawKeys:
    """The project's raw keys, rebuilt with the person index."""
    index = person_index.index_of(rt, pid)
    cached = rt.raw_keys.get(pid)
    if isinstance(cached, RawKeys) and cached.built_from is index:
        return cached
    tombstones = rt.person_tombstones.get(pid, [])
    persons = [*index.keys, *(k for k in index.keys if k % 4 == 0)]
    persons += [person_index.sort_key(person["id"]) for person in tombstones]
    pairs = sorted((d, person["id"]) for person in index.people for d in person["distinct_ids"])
    live = [d for d, _owner in pairs]
    dead = [d for person in tombstones for d in person["distinct_ids"]]  # deleted, or moved to another person
    older = [d for d in live if zlib.crc32(d.encode()) % 8 == 0]
    built = RawKeys(index, sorted(persons), sorted([*live, *dead, *older]), live, [owner for _d, owner in pairs])
    rt.raw_keys[pid] = built
    rt.settle()
    return built


def person_rows(rt: Runtime, pid: int) -> list[dict[str, Any]]:
    """`raw_persons` as rows (id, version, is_deleted): the versions and tombstones `raw_keys` counts."""
    people = rt.dataset.persons[pid]
    rows = [{"id": p["id"], "version": 1, "is_deleted": False} for p in people]
    rows += [
        {"id": p["id"], "version": 0, "is_deleted": False} for p in people if person_index.sort_key(p["id"]) % 4 == 0
    ]
    return rows + [{"id": p["id"], "version": 2, "is_deleted": True} for p in rt.person_tombstones.get(pid, [])]


def distinct_id_rows(rt: Runtime, pid: int) -> list[dict[str, Any]]:
    """`raw_person_distinct_ids` as rows (distinct_id, person_id, version, is_deleted)."""
    live = [(d, p["id"]) for p in rt.dataset.persons[pid] for d in p["distinct_ids"]]
    rows = [{"distinct_id": d, "person_id": owner, "version": 1, "is_deleted": False} for d, owner in live]
    rows += [{**row, "version": 0} for row in rows if zlib.crc32(row["distinct_id"].encode()) % 8 == 0]
    for person in rt.person_tombstones.get(pid, []):
        rows += [
            {"distinct_id": d, "person_id": person["id"], "version": 0, "is_deleted": True}
            for d in person["distinct_ids"]
        ]
    return rows


def rows_in(keys: list[Any], bounds: KeyRange) -> int:
    """How many sorted keys lie in the range."""
    start, stop = index_range(keys, bounds)
    return max(0, stop - start)


def index_range(keys: list[Any], bounds: KeyRange) -> tuple[int, int]:
    """[start, stop) of the sorted keys inside the range (stop >= start)."""
    start = _start(keys, bounds)
    return start, max(start, _stop(keys, bounds))


def bound_table(select: Select) -> str | None:
    """The raw table a bounded page's bound reads (`FROM (SELECT k FROM raw_t ..)`), else None."""
    inner = select.subquery
    return inner.table if inner is not None and inner.table in RAW_TABLES and inner.subquery is None else None


def bound_row(select: Select, rt: Runtime, pid: int) -> tuple[list[Any], int]:
    """(`[max(key), count()]` of the subquery's rows, rows it read) for a bounded page's bound query."""
    inner = select.subquery
    if inner is None or inner.table not in RAW_TABLES or inner.limit is None or inner.limit.kind != "const":
        raise ApiError(400, "The emulator serves FROM (subquery) only as a raw table's bound.", code="hogql_error")
    if inner.table == "raw_groups":
        return raw_groups.bound_row(inner, rt, pid)
    name = KEY_OF[inner.table]
    keys = _keys_of(raw_keys(rt, pid), inner.table)
    bounds = key_range(inner.where, name, person_index.sort_key if name == "id" else str)
    start = _start(keys, bounds)
    taken = keys[start : min(_stop(keys, bounds), start + int(inner.limit.value))]
    last = taken[-1] if taken else None
    return [_render(name, last), len(taken)], len(taken)


def bound_type(select: Select) -> str:
    """The ClickHouse type of a bound's `max(key)`."""
    inner = select.subquery
    if inner is not None and inner.table == "raw_groups":
        return "UInt8" if inner.columns[0][0].value[-1] == "index" else "String"
    return "UUID" if bound_table(select) == "raw_persons" else "String"


def distinct_id_page(rt: Runtime, pid: int, bounds: KeyRange, limit: int) -> tuple[list[dict[str, Any]], int]:
    """(live `person_distinct_ids` rows in the range in distinct_id order, at most `limit`; how many match)."""
    keys = raw_keys(rt, pid)
    start, stop = index_range(keys.live_ids, bounds)
    rows = [
        {"distinct_id": keys.live_ids[i], "person_id": keys.owners[i]} for i in range(start, min(stop, start + limit))
    ]
    return rows, stop - start


def _keys_of(keys: RawKeys, table: str) -> list[Any]:
    return keys.persons if table == "raw_persons" else keys.distinct_ids


def _start(keys: list[Any], bounds: KeyRange) -> int:
    if bounds.low is None:
        return 0
    return (bisect_left if bounds.low_inclusive else bisect_right)(keys, bounds.low)


def _stop(keys: list[Any], bounds: KeyRange) -> int:
    if bounds.high is None:
        return len(keys)
    return (bisect_right if bounds.high_inclusive else bisect_left)(keys, bounds.high)


def _render(name: str, key: Any) -> Any:
    """A key as ClickHouse returns max(): the UUID text, the string; the type's zero value for no rows."""
    if name == "distinct_id":
        return "" if key is None else key
    if key is None:
        return "00000000-0000-0000-0000-000000000000"
    value = ((key & person_index.LOW_64) << 64) | (key >> 64)
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}"
