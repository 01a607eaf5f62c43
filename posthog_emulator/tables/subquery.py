"""`SELECT ... FROM (SELECT ...)`: the outer query over the inner one's result, as a custom query stream sends it.

The inner query runs as any query would (events, persons, a warehouse table...), without the API's row cap
(PostHog caps only what is returned). Its rows become dicts typed by the inner answer's `types`; the outer
query filters (tables/row_eval, plus `intDiv`/`toUnixTimestamp` of the density query), groups by expressions
with `count()`, sorts and limits them, and reports the inner types for the columns it passes through.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from posthog_emulator.common.timefmt import TzRenderer, parse_datetime
from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.parse import Select
from posthog_emulator.hogql.result import Options, Outcome
from posthog_emulator.tables.row_eval import label_of, value_of

Row = dict[str, Any]
DEFAULT_LIMIT = 100  # as for any query without LIMIT


AGGREGATES = {"count", "min", "max", "groupArray"}


def pushed_down(outer: Select) -> Select:
    """The inner query with the outer WHERE added to its own, as ClickHouse pushes a predicate into a subquery.

    Only for an inner query that neither groups nor limits, and an outer WHERE naming only its columns: then
    the rows are the same, but the inner query reads (and the cost model counts) only the outer range, so a
    custom query's window costs what the window holds.
    """
    inner = outer.subquery
    assert inner is not None
    if outer.where is None or inner.group_by or inner.limit is not None or inner.subquery is not None:
        return inner
    if any(node.kind == "call" and node.value in AGGREGATES for node, _ in inner.columns):
        return inner
    star = any(node.kind == "star" for node, _ in inner.columns)
    columns = {_name(node, alias): node for node, alias in inner.columns if node.kind != "star"}
    condition = _rewritten(outer.where, columns, star)
    if condition is None:
        return inner
    where = condition if inner.where is None else Node("and", args=(inner.where, condition))
    return dataclasses.replace(inner, where=where)


def _rewritten(node: Node, columns: dict[str, Node], star: bool) -> Node | None:
    """The node over the inner query's expressions, or None if it names something else."""
    if node.kind == "field":
        name = str(node.value[-1])
        return columns.get(name) or (Node("field", (name,)) if star and len(node.value) == 1 else None)
    args = [_rewritten(arg, columns, star) for arg in node.args]
    if any(arg is None for arg in args):
        return None
    return Node(node.kind, node.value, tuple(arg for arg in args if arg is not None))


def kind_of(type_name: str) -> str:
    """The row evaluator's kind for a ClickHouse type name."""
    inner = type_name.removeprefix("Nullable(").removesuffix(")") if type_name.startswith("Nullable(") else type_name
    if inner.startswith("DateTime"):
        return "datetime"
    return "uuid" if inner == "UUID" else "value"


def evaluate(query: Select, inner: Outcome, opts: Options) -> Outcome:
    """The outer query's rows over the inner result."""
    tz = ZoneInfo(opts.tz_name)
    types = {name: kind_of(type_name) for name, type_name in inner.types}
    ch_types = dict(inner.types)
    rows = [_row(inner.columns, cells, types, tz) for cells in inner.rows]
    if query.where is not None:
        rows = [row for row in rows if _value(query.where, row, types, query)]
    if query.group_by or any(node.kind == "call" and node.value == "count" for node, _ in query.columns):
        return _grouped(query, rows, types, opts)
    for node, desc in reversed(query.order):
        rows.sort(key=_sort_key(node, types, query), reverse=desc)
    rows = rows[: _limit(query, opts)]
    names = list(inner.columns) if query.columns[0][0].kind == "star" else [_name(n, a) for n, a in query.columns]
    nodes = {name: node for node, alias in query.columns if node.kind != "star" for name in [_name(node, alias)]}
    renderer = TzRenderer(opts.tz_name)
    cells = [
        [_cell(_pick(name, nodes, row, types, query), types.get(name), renderer) for name in names] for row in rows
    ]
    out_types = [[name, ch_types.get(name, "String")] for name in names]
    return Outcome(names, out_types, cells, None, None, None, matched_rows=len(rows))


def _row(columns: list[str], cells: list[Any], types: dict[str, str], tz: ZoneInfo) -> Row:
    """An inner row with datetimes as epoch microseconds (comparable to `toDateTime64(...)`)."""
    row = dict(zip(columns, cells, strict=True))
    for name, kind in types.items():
        if kind == "datetime" and isinstance(row[name], str):
            row[name] = parse_datetime(row[name], tz)
    return row


def _value(node: Node, row: Row, types: dict[str, str], query: Select) -> Any:
    """A node's value on a row: the density query's functions here, anything else as row_eval computes it."""
    if node.kind == "field" and node.value[-1] not in types:
        alias = {a: n for n, a in query.columns if a}.get(node.value[-1])
        if alias is not None:
            return _value(alias, row, types, query)
        raise ApiError(400, f"Unable to resolve field: {label_of(node)}", code="hogql_query_error")
    if node.kind == "call" and node.value == "toUnixTimestamp":
        return _value(node.args[0], row, types, query) // 1_000_000
    if node.kind == "call" and node.value == "intDiv":
        a, b = (_value(arg, row, types, query) for arg in node.args)
        return int(a / b)
    evaluator_types = {name: ("uuid" if kind == "uuid" else "int") for name, kind in types.items()}
    return value_of(node, row, evaluator_types)


def _grouped(query: Select, rows: list[Row], types: dict[str, str], opts: Options) -> Outcome:
    """GROUP BY expressions with count(): one row per distinct key, in ORDER BY order or first-seen order."""
    keys = [_value_fn(node, types, query) for node in query.group_by]
    groups: dict[tuple[Any, ...], list[Any]] = {}
    for row in rows:
        key = tuple(fn(row) for fn in keys)
        groups.setdefault(key, [0, row])[0] += 1
    names = [_name(node, alias) for node, alias in query.columns]
    out = []
    for count, row in groups.values():
        out.append(
            [
                count if node.kind == "call" and node.value == "count" else _value(node, row, types, query)
                for node, _ in query.columns
            ]
        )
    for node, desc in reversed(query.order):
        index = names.index(_name(node, None)) if _name(node, None) in names else 0
        out.sort(key=lambda cells: cells[index], reverse=desc)
    out_types = [[name, "UInt64" if name.startswith("count") else "Int64"] for name in names]
    return Outcome(names, out_types, out[: _limit(query, opts)], None, None, None, aggregate=True)


def _value_fn(node: Node, types: dict[str, str], query: Select) -> Callable[[Row], Any]:
    return lambda row: _value(node, row, types, query)


def _sort_key(node: Node, types: dict[str, str], query: Select) -> Callable[[Row], Any]:
    """ClickHouse's ascending order, NULLs last."""

    def key(row: Row) -> tuple[bool, Any]:
        value = _value(node, row, types, query)
        return value is None, value if value is not None else 0

    return key


def _pick(name: str, nodes: dict[str, Node], row: Row, types: dict[str, str], query: Select) -> Any:
    node = nodes.get(name)
    if node is None or (node.kind == "field" and node.value[-1] == name):
        return row.get(name)
    return _value(node, row, types, query)


def _cell(value: Any, kind: str | None, renderer: TzRenderer) -> Any:
    return renderer.render(value) if kind == "datetime" and value is not None else value


def _name(node: Node, alias: str | None) -> str:
    return alias or (str(node.value[-1]) if node.kind == "field" else label_of(node))


def _limit(query: Select, opts: Options) -> int:
    if query.limit is None:
        return DEFAULT_LIMIT
    if query.limit.kind != "const" or not isinstance(query.limit.value, int):
        raise ApiError(400, "LIMIT must be an integer constant.", code="hogql_error")
    return min(query.limit.value, opts.row_cap) if opts.row_cap is not None else query.limit.value
