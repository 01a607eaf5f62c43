"""Persons in ClickHouse UUID order, per project, so the connector's keyset pages are bisects, not scans.

At 1M persons, evaluating a page's WHERE on every person and sorting them all took seconds per page. The
two queries a persons read sends are answered from this index instead:

- `SELECT .. FROM persons [WHERE id > toUUID(x) [AND id <= toUUID(y)]] ORDER BY id [ASC] LIMIT n`: bisects
  and a slice (bounded pages; tables/raw_keys serves their bound and the distinct-id pages);
- `SELECT person_id, groupArray(distinct_id) .. FROM person_distinct_ids WHERE person_id >= toUUID(a) AND
  person_id <= toUUID(b) GROUP BY person_id ..`: the persons in that range, in the dataset's order (the order
  the general evaluator groups them in, so answers stay identical).

Any other query goes to the general evaluator. The index is rebuilt when the project's person list is
another list or another length (reset, churn, persons added), and dropped by `forget` when persons churn.
Callers hold `dataset.lock`.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from dataclasses import dataclass
from typing import Any

from posthog_emulator.data import ids
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.parse import Select
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables.key_range import and_arms, key_range

Row = dict[str, Any]
LOW_64 = (1 << 64) - 1
LOWER = {">": bisect_right, ">=": bisect_left}  # first position after / at the bound
UPPER = {"<": bisect_left, "<=": bisect_right}  # first position past the bound


@dataclass
class PersonIndex:
    """One project's persons sorted by ClickHouse UUID order (one int per id: second half, then first)."""

    source: list[Row]  # the dataset list it was built from, and its length then: a change means rebuild
    size: int
    keys: list[int]
    people: list[Row]
    positions: list[int]  # each person's place in the dataset list


def sort_key(uuid_text: str) -> int:
    """A UUID as one int that orders as ClickHouse orders UUIDs (the second 64 bits compare first)."""
    value = ids.parse_uuid(uuid_text)
    return ((value & LOW_64) << 64) | (value >> 64)


def index_of(rt: Runtime, pid: int) -> PersonIndex:
    """The project's index, rebuilt when its person list changed identity or length."""
    people = rt.dataset.persons[pid]
    cached = rt.person_indexes.get(pid)
    if isinstance(cached, PersonIndex) and cached.source is people and cached.size == len(people):
        return cached
    keys = [sort_key(person["id"]) for person in people]
    order = sorted(range(len(people)), key=keys.__getitem__)
    index = PersonIndex(people, len(people), [keys[i] for i in order], [people[i] for i in order], order)
    rt.person_indexes[pid] = index
    rt.settle()
    return index


def forget(rt: Runtime, pid: int) -> None:
    """Drop the project's index (its persons were deleted or merged)."""
    rt.person_indexes.pop(pid, None)


def fast_rows(query: Select, rt: Runtime, pid: int, limit: int) -> tuple[list[Row], int] | None:
    """(rows matching the WHERE in ORDER BY order, up to `limit` for a page; how many match) or None."""
    from posthog_emulator.tables import raw_keys  # noqa: PLC0415 - raw_keys builds on this module's index

    if query.table == "persons" and not query.group_by and _ordered_by(query, "id") and only_key_arms(query, "id"):
        index = index_of(rt, pid)
        bounds = key_range(query.where, "id", sort_key)
        start, stop = raw_keys.index_range(index.keys, bounds)
        return [_person_row(person) for person in index.people[start : min(stop, start + limit)]], stop - start
    pdi_page = query.table == "person_distinct_ids" and not query.group_by and _ordered_by(query, "distinct_id")
    if pdi_page and only_key_arms(query, "distinct_id"):
        return raw_keys.distinct_id_page(rt, pid, key_range(query.where, "distinct_id", str), limit)
    if query.table == "person_distinct_ids" and _grouped_by_person(query):
        rows = _distinct_id_rows(query, index_of(rt, pid))
        return None if rows is None else (rows, len(rows))
    return None


def only_key_arms(query: Select, name: str) -> bool:
    """Whether the WHERE is absent or an AND of `name OP constant` comparisons only."""
    arms = and_arms(query.where)
    return all(key_range(arm, name, lambda value: value).bounded for arm in arms)


def _person_row(person: Row) -> Row:
    return {
        "id": person["id"],
        "created_at": person["_created"],
        "properties": person["properties"],
        "is_identified": person["is_identified"],
    }


def _ordered_by(query: Select, name: str) -> bool:
    return len(query.order) == 1 and _is_field(query.order[0][0], name) and not query.order[0][1]


def _grouped_by_person(query: Select) -> bool:
    return len(query.group_by) == 1 and _is_field(query.group_by[0], "person_id") and not query.order


def _distinct_id_rows(query: Select, index: PersonIndex) -> list[Row] | None:
    """person_distinct_ids rows of the persons in [a, b], persons in dataset order as the full scan yields them."""
    where = query.where
    if where is None or where.kind != "and" or len(where.args) != 2:
        return None
    lower, upper = _bound(where.args[0], "person_id", LOWER), _bound(where.args[1], "person_id", UPPER)
    if lower is None or upper is None or lower[1] is None or upper[1] is None:
        return None
    start, stop = lower[0](index.keys, lower[1]), upper[0](index.keys, upper[1])
    chosen = sorted(range(start, max(start, stop)), key=index.positions.__getitem__)
    people = index.people
    return [{"distinct_id": d, "person_id": people[i]["id"]} for i in chosen for d in people[i]["distinct_ids"]]


def _bound(node: Node | None, name: str, ops: dict[str, Any]) -> tuple[Any, int | None] | None:
    """(bisect function, key) of `name OP toUUID('...')` when OP is one of `ops`; None for anything else."""
    if node is None or node.kind != "cmp" or node.value not in ops or not _is_field(node.args[0], name):
        return None
    literal = node.args[1]
    if literal.kind == "call" and literal.value == "toUUID" and len(literal.args) == 1:
        literal = literal.args[0]
    if literal.kind != "const" or not isinstance(literal.value, str):
        return None
    try:
        return ops[node.value], sort_key(literal.value)
    except ValueError:
        return None


def _is_field(node: Node, name: str) -> bool:
    return node.kind == "field" and node.value[-1] == name
