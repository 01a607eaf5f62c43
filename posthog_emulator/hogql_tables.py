"""HogQL tables other than `events`, each as small rows computed from the dataset at query time.

Columns as PostHog's `posthog/hogql/database/schema/` names them: persons (id, created_at, properties,
is_identified), person_distinct_ids (distinct_id, person_id), groups (index, key, created_at, updated_at,
properties), cohort_people and static_cohort_people (person_id, cohort_id). The queries served are the
connector's keyset pages, `SELECT cols FROM t [WHERE cond] [GROUP BY fields] ORDER BY cols LIMIT n`, cond
being comparisons (of fields, constants, `toUUID`, `toDateTime64`) joined by AND/OR/NOT. UUIDs compare in
ClickHouse's order (second half first), as `ORDER BY id` does on PostHog. A persons read's two queries are
answered from a sorted index (person_index) instead of a scan: same rows, fast at 1M persons.
"""

from __future__ import annotations

import dataclasses
import itertools
import zlib
from collections.abc import Callable, Iterator
from typing import Any

import orjson

from posthog_emulator import hogql_eval, hogql_sessions, ids, person_index
from posthog_emulator.hogql_parse import Node, Select
from posthog_emulator.hogql_result import Options, Outcome
from posthog_emulator.runtime import Runtime
from posthog_emulator.timefmt import TzRenderer, parse_datetime
from posthog_emulator.web import ApiError

Row = dict[str, Any]
CLICKHOUSE_TYPES = {"uuid": "UUID", "str": "String", "int": "Int64", "bool": "Bool", "json": "String"}
CLICKHOUSE_TYPES |= {"array": "Array(String)", "nullable_bool": "Nullable(Bool)"}
# The events evaluator's comparisons, plus the IN tests the person tables are filtered with.
OPS: dict[str, Callable[[Any, Any], bool]] = {
    **hogql_eval.OPS,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def _persons(rt: Runtime, pid: int) -> list[Row]:
    return [
        {"id": p["id"], "created_at": p["_created"], "properties": p["properties"], "is_identified": p["is_identified"]}
        for p in rt.dataset.persons[pid]
    ]


def _distinct_ids(rt: Runtime, pid: int) -> list[Row]:
    return [{"distinct_id": d, "person_id": p["id"]} for p in rt.dataset.persons[pid] for d in p["distinct_ids"]]


def _groups(rt: Runtime, pid: int) -> list[Row]:
    return list(rt.dataset.entities[pid].get("groups", []))


def cohort_members(rt: Runtime, pid: int, static: bool) -> list[Row]:
    """About a fifth of the persons in each live cohort of the kind, by a hash of (cohort, person)."""
    cohorts = [c["id"] for c in rt.dataset.entities[pid]["cohorts"] if c["is_static"] is static and not c["deleted"]]
    people = [p["id"] for p in rt.dataset.persons[pid]]
    return [
        {"person_id": p, "cohort_id": c} for c in cohorts for p in people if zlib.crc32(f"{c}:{p}".encode()) % 5 == 0
    ]


TABLES: dict[str, tuple[dict[str, str], Callable[[Runtime, int], list[Row]]]] = {
    "persons": ({"id": "uuid", "created_at": "datetime", "properties": "json", "is_identified": "bool"}, _persons),
    "person_distinct_ids": ({"distinct_id": "str", "person_id": "uuid"}, _distinct_ids),
    "groups": (
        {"index": "int", "key": "str", "created_at": "datetime", "updated_at": "datetime", "properties": "json"},
        _groups,
    ),
    "cohort_people": ({"person_id": "uuid", "cohort_id": "int"}, lambda rt, pid: cohort_members(rt, pid, False)),
    "static_cohort_people": ({"person_id": "uuid", "cohort_id": "int"}, lambda rt, pid: cohort_members(rt, pid, True)),
    "sessions": (hogql_sessions.COLUMNS, hogql_sessions.all_rows),
}
# Tables kept in their keyset order: (ORDER BY columns, rows whose first key lies in [lo, hi] in that order).
# A page ordered that way bisects to the bounds the WHERE implies and stops at LIMIT, instead of filtering
# and sorting the whole table: sessions has as many rows as a project has events, near enough.
Window = Callable[[Runtime, int, Any, Any], Iterator[Row]]
ORDERED: dict[str, tuple[tuple[str, ...], Window]] = {"sessions": (hogql_sessions.ORDER, hogql_sessions.window)}


def execute(query: Select, rt: Runtime, pid: int, opts: Options) -> Outcome:
    """Run a keyset page over one of TABLES: matching rows in ORDER BY order, LIMIT applied (capped)."""
    if query.table not in TABLES:
        raise ApiError(400, f"Unknown table `{query.table}`.", code="hogql_error")
    types, rows_of = TABLES[query.table]
    limit = _limit(query, opts)
    fast = person_index.fast_rows(query, rt, pid, limit)  # persons: already filtered and in order
    if query.where is not None:
        query = dataclasses.replace(query, where=_folded(query.where, types))
    if fast is None:
        page = _keyset_page(query, rt, pid, types, limit)  # sessions: likewise
        fast = None if page is None else (page, len(page))
    rows, matched = fast if fast is not None else _scan(query, rows_of(rt, pid), types)
    if query.group_by:
        rows, types = _grouped(query, rows, types)
    names = [_field(node, types) for node, _alias in query.columns]
    for node, desc in reversed(query.order if fast is None else []):  # stable sorts, least significant key first
        rows.sort(key=_sort_key(_field(node, types), types), reverse=desc)
    renderer = TzRenderer(opts.tz_name)
    cells = [[_cell(types[name], row[name], renderer, opts) for name in names] for row in rows[:limit]]
    columns = [alias or name for (_node, alias), name in zip(query.columns, names, strict=True)]
    ch_types = [[c, _type_name(types[n], opts)] for c, n in zip(columns, names, strict=True)]
    return Outcome(columns, ch_types, cells, None, None, None, matched_rows=matched)


def _scan(query: Select, rows: list[Row], types: dict[str, str]) -> tuple[list[Row], int]:
    """Every row the WHERE keeps, and how many."""
    kept = [row for row in rows if query.where is None or _value(query.where, row, types)]
    return kept, len(kept)


def _keyset_page(query: Select, rt: Runtime, pid: int, types: dict[str, str], limit: int) -> list[Row] | None:
    """The page straight from an ORDERED table when ORDER BY is (a prefix of) its order ascending; else None."""
    if query.table not in ORDERED or query.group_by:
        return None
    order, window = ORDERED[query.table]
    asked = [(_field(node, types), desc) for node, desc in query.order]
    if asked != [(name, False) for name in order[: len(asked)]]:
        return None
    where, key = query.where, order[0]
    bounds = (None, None) if where is None else (_bound(where, key, types, True), _bound(where, key, types, False))
    rows = window(rt, pid, *bounds)
    matches = rows if where is None else (row for row in rows if _value(where, row, types))
    return list(itertools.islice(matches, limit))


def _bound(node: Node, name: str, types: dict[str, str], lower: bool) -> Any:
    """A lower (or upper) bound on field `name` that every row the condition accepts meets; None if unknown."""
    if node.kind in ("and", "or"):
        found = [_bound(arg, name, types, lower) for arg in node.args]
        if node.kind == "and":  # the tightest bound of any conjunct holds
            known = [b for b in found if b is not None]
            return (max if lower else min)(known) if known else None
        return None if None in found else (min if lower else max)(found)  # the loosest of the alternatives
    ops = (">", ">=", "=") if lower else ("<", "<=", "=")
    if node.kind != "cmp" or node.value not in ops or node.args[0].kind != "field" or not _constant(node.args[1]):
        return None
    value = _value(node.args[1], {}, types) if _field(node.args[0], types) == name else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None  # datetimes are int us


def _constant(node: Node) -> bool:
    return node.kind == "const" or (node.kind == "call" and all(_constant(arg) for arg in node.args))


def _folded(node: Node, types: dict[str, str]) -> Node:
    """The condition with its constants worked out once rather than per row.

    That is calls such as `toDateTime64('...')`, and strings compared with a datetime or UUID column, which
    ClickHouse reads as that type.
    """
    try:
        if node.kind == "call" and _constant(node):
            return Node("const", _value(node, {}, {}))
        args = tuple(_folded(arg, types) for arg in node.args)
        if node.kind == "cmp" and node.value not in ("in", "not in"):
            args = (_cast(args[0], args[1], types), _cast(args[1], args[0], types))
        return dataclasses.replace(node, args=args)
    except ValueError as exc:
        raise ApiError(400, f"Cannot convert a constant in `{label_of(node)}`: {exc}", code="hogql_error") from exc


CASTS = {"datetime": "toDateTime64", "uuid": "toUUID"}


def _cast(node: Node, other: Node, types: dict[str, str]) -> Node:
    """`node`, read as the type of the column it is compared with when it is a string constant."""
    kind = types.get(_field(other, types)) if other.kind == "field" else None
    if kind not in CASTS or node.kind != "const" or not isinstance(node.value, str):
        return node
    return Node("const", _call(Node("call", CASTS[kind]), node.value))


def _grouped(query: Select, rows: list[Row], types: dict[str, str]) -> tuple[list[Row], dict[str, str]]:
    """One row per distinct value of the GROUP BY fields; `groupArray(field)` columns gather that field."""
    keys = [_field(node, types) for node in query.group_by]
    calls = [node for node, _alias in query.columns if node.kind == "call"]
    if any(node.value != "groupArray" or len(node.args) != 1 for node in calls):
        raise ApiError(400, "The emulator serves only groupArray(field) in grouped queries.", code="hogql_error")
    arrays = {label_of(node): _field(node.args[0], types) for node in calls}
    groups: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        group = groups.setdefault(key, {name: row[name] for name in keys} | {label: [] for label in arrays})
        for label, name in arrays.items():
            group[label].append(row[name])
    return list(groups.values()), {**{name: types[name] for name in keys}, **dict.fromkeys(arrays, "array")}


def _sort_key(name: str, types: dict[str, str]) -> Callable[[Row], Any]:
    kind = types[name]
    return lambda row: _comparable(kind, row[name])


def _limit(query: Select, opts: Options) -> int:
    if query.offset is not None and not opts.allow_offset:
        raise ApiError(400, "OFFSET is not supported on queries made with a personal API key.", code="hogql_error")
    if query.limit is None or query.limit.kind != "const" or not isinstance(query.limit.value, int):
        raise ApiError(400, "The emulator serves this table only with LIMIT <integer>.", code="hogql_error")
    return min(query.limit.value, opts.row_cap) if opts.row_cap is not None else query.limit.value


def _field(node: Node, types: dict[str, str]) -> str:
    name = str(node.value[-1]) if node.kind == "field" else label_of(node)
    if name not in types:
        raise ApiError(400, f"Unable to resolve field: {label_of(node)}", code="hogql_error")
    return name


def label_of(node: Node) -> str:
    """The field name, `fn(arg, ...)` for a call, or the node's kind for anything else."""
    if node.kind == "call":
        return f"{node.value}({', '.join(label_of(arg) for arg in node.args)})"
    return ".".join(node.value) if node.kind == "field" else node.kind


def _comparable(kind: str, value: Any) -> Any:
    return ids.clickhouse_key(ids.parse_uuid(value)) if kind == "uuid" else value


def _value(node: Node, row: Row, types: dict[str, str]) -> Any:
    """The node's value on the row, comparable as ClickHouse compares it."""
    kind = node.kind
    if kind == "field":
        name = _field(node, types)
        return _comparable(types[name], row[name])
    if kind == "const":
        return tuple(node.value) if isinstance(node.value, list) else node.value
    if kind == "call" and node.args:
        return _call(node, _value(node.args[0], row, types))
    if kind in COMBINED:
        return COMBINED[kind](node, [_value(arg, row, types) for arg in node.args])
    raise ApiError(400, f"The emulator does not serve `{label_of(node)}` on this table.", code="hogql_error")


COMBINED: dict[str, Callable[[Node, list[Any]], Any]] = {
    "tuple": lambda _node, args: tuple(args),
    "and": lambda _node, args: all(args),
    "or": lambda _node, args: any(args),
    "not": lambda _node, args: not args[0],
    "cmp": lambda node, args: OPS[node.value](args[0], args[1]),
}


def _call(node: Node, arg: Any) -> Any:
    if node.value == "toUUID" and isinstance(arg, str):
        return ids.clickhouse_key(ids.parse_uuid(arg))
    if node.value in ("toDateTime64", "toDateTime") and isinstance(arg, str):
        return parse_datetime(arg)
    if node.value in ("toUUID", "toDateTime64", "toDateTime"):
        return arg  # a column of that type already
    raise ApiError(400, f"The emulator does not serve {node.value}() on this table.", code="hogql_error")


def _cell(kind: str, value: Any, renderer: TzRenderer, opts: Options) -> Any:
    if kind == "datetime":
        return renderer.render(value)
    if kind == "json":
        return orjson.dumps(value).decode() if opts.json_properties else value
    return value


def _type_name(kind: str, opts: Options) -> str:
    return f"DateTime64(6, '{opts.tz_name}')" if kind == "datetime" else CLICKHOUSE_TYPES[kind]
