"""Queries over HogQL's tables other than `events` (tables/rows), answered as PostHog answers them.

The queries served are the connector's keyset pages, `SELECT cols FROM t [WHERE cond] [GROUP BY fields]
ORDER BY cols LIMIT n`, cond being comparisons (of fields, constants, `toUUID`, `toDateTime64`) joined by
AND/OR/NOT (tables/row_eval). Three ways to the same rows, fastest first: a persons read's two queries from a
sorted index (person_index), fast at 1M persons; sessions pages bisected from its ordered rows (tables/keyset);
anything else a filter and sort of the whole table.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

import orjson

from posthog_emulator.common.timefmt import TzRenderer
from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql import schema
from posthog_emulator.hogql.parse import Select
from posthog_emulator.hogql.result import Options, Outcome
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import person_index, raw_aggregate, raw_keys, scalars
from posthog_emulator.tables.keyset import folded, keyset_page
from posthog_emulator.tables.row_eval import comparable, field_name, label_of, value_of
from posthog_emulator.tables.rows import TABLES

Row = dict[str, Any]
CLICKHOUSE_TYPES = {"uuid": "UUID", "str": "String", "int": "Int64", "bool": "Bool", "json": "String"}
CLICKHOUSE_TYPES |= {"array": "Array(String)", "nullable_bool": "Nullable(Bool)"}


def execute(query: Select, rt: Runtime, pid: int, opts: Options) -> Outcome:
    """Run a keyset page over one of TABLES: matching rows in ORDER BY order, LIMIT applied (capped)."""
    if query.subquery is not None:  # a bounded page's bound over a raw table
        return _bound(query, rt, pid)
    query, extra, _read = scalars.split(query, rt, pid)  # the next page's bound, asked with this page
    if raw_aggregate.is_aggregate(query):  # a raw table aggregated as its lazy table is: that table's rows
        query = raw_aggregate.as_lazy(query)
    return scalars.appended(_page(query, rt, pid, opts), extra)


def _page(query: Select, rt: Runtime, pid: int, opts: Options) -> Outcome:
    if query.table not in TABLES:
        raise ApiError(400, f"Unknown table `{query.table}`.", code="hogql_error")
    types, rows_of = TABLES[query.table]
    schema.check_fields(query, types)
    limit = _limit(query, opts)
    fast = person_index.fast_rows(query, rt, pid, limit)  # persons: already filtered and in order
    if query.where is not None:
        query = dataclasses.replace(query, where=folded(query.where, types))
    if fast is None:
        page = keyset_page(query, rt, pid, types, limit)  # sessions: likewise
        fast = None if page is None else (page, len(page))
    rows, matched = fast if fast is not None else _scan(query, rows_of(rt, pid), types)
    if query.group_by:
        rows, types = _grouped(query, rows, types)
    names = [field_name(node, types) for node, _alias in query.columns]
    for node, desc in reversed(query.order if fast is None else []):  # stable sorts, least significant key first
        rows.sort(key=_sort_key(field_name(node, types), types), reverse=desc)
    renderer = TzRenderer(opts.tz_name)
    cells = [[_cell(types[name], row[name], renderer, opts) for name in names] for row in rows[:limit]]
    columns = [alias or name for (_node, alias), name in zip(query.columns, names, strict=True)]
    ch_types = [[c, _type_name(types[n], opts)] for c, n in zip(columns, names, strict=True)]
    return Outcome(columns, ch_types, cells, None, None, None, matched_rows=matched)


def _bound(query: Select, rt: Runtime, pid: int) -> Outcome:
    """`SELECT max(k) AS a, count() AS b FROM (SELECT k FROM raw_t ..)`: one row."""
    calls = [(node.value, alias) for node, alias in query.columns]
    if [name for name, _alias in calls] != ["max", "count"] or query.where is not None or query.group_by:
        raise ApiError(400, "The emulator serves a subquery only as `max(key), count()`.", code="hogql_error")
    row, _read = raw_keys.bound_row(query, rt, pid)
    kind = raw_keys.bound_type(query)
    columns = [alias or f"{name}()" for name, alias in calls]
    return Outcome(columns, [[columns[0], kind], [columns[1], "UInt64"]], [row], None, None, None, matched_rows=row[1])


def _scan(query: Select, rows: list[Row], types: dict[str, str]) -> tuple[list[Row], int]:
    """Every row the WHERE keeps, and how many."""
    kept = [row for row in rows if query.where is None or value_of(query.where, row, types)]
    return kept, len(kept)


def _grouped(query: Select, rows: list[Row], types: dict[str, str]) -> tuple[list[Row], dict[str, str]]:
    """One row per distinct value of the GROUP BY fields; `groupArray(field)` columns gather that field."""
    keys = [field_name(node, types) for node in query.group_by]
    calls = [node for node, _alias in query.columns if node.kind == "call"]
    if any(node.value != "groupArray" or len(node.args) != 1 for node in calls):
        raise ApiError(400, "The emulator serves only groupArray(field) in grouped queries.", code="hogql_error")
    arrays = {label_of(node): field_name(node.args[0], types) for node in calls}
    groups: dict[tuple[Any, ...], Row] = {}
    for row in rows:
        key = tuple(row[name] for name in keys)
        group = groups.setdefault(key, {name: row[name] for name in keys} | {label: [] for label in arrays})
        for label, name in arrays.items():
            group[label].append(row[name])
    return list(groups.values()), {**{name: types[name] for name in keys}, **dict.fromkeys(arrays, "array")}


def _sort_key(name: str, types: dict[str, str]) -> Callable[[Row], Any]:
    kind = types[name]
    return lambda row: comparable(kind, row[name])


def _limit(query: Select, opts: Options) -> int:
    if query.offset is not None and not opts.allow_offset:
        raise ApiError(400, "OFFSET is not supported on queries made with a personal API key.", code="hogql_error")
    if query.limit is None or query.limit.kind != "const" or not isinstance(query.limit.value, int):
        raise ApiError(400, "The emulator serves this table only with LIMIT <integer>.", code="hogql_error")
    return min(query.limit.value, opts.row_cap) if opts.row_cap is not None else query.limit.value


def _cell(kind: str, value: Any, renderer: TzRenderer, opts: Options) -> Any:
    if kind == "datetime":
        return renderer.render(value)
    if kind == "json":
        return orjson.dumps(value).decode() if opts.json_properties else value
    return value


def _type_name(kind: str, opts: Options) -> str:
    return f"DateTime64(6, '{opts.tz_name}')" if kind == "datetime" else CLICKHOUSE_TYPES[kind]
