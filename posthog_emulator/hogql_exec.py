"""Run a parsed SELECT over one project's events: bisect the time range, scan, render cells.

When ORDER BY is a prefix of the storage order (timestamp, uuid), rows stream in order and the
scan stops at LIMIT, so a 50,000-row keyset page costs ~50,000 predicate calls however large
the project is. Other orders collect every match and sort.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from posthog_emulator.eventstore import EventStore
from posthog_emulator.hogql_eval import AGGREGATES, COLUMNS, Compiler, Val
from posthog_emulator.hogql_parse import Node, Select
from posthog_emulator.timefmt import TzRenderer
from posthog_emulator.web import ApiError

DEFAULT_LIMIT = 100  # without LIMIT the API pages 100 rows with hasMore
TYPE_NAMES = {
    "uuid": "UUID",
    "str": "String",
    "json": "String",
    "number": "Float64",
    "bool": "UInt8",
    "null": "Nullable(Nothing)",
}


@dataclass
class Outcome:
    """Rows plus the paging fields of the response (§6.8)."""

    columns: list[str]
    types: list[list[str]]
    rows: list[list[Any]]
    has_more: bool | None
    limit: int | None
    offset: int | None


@dataclass(frozen=True)
class Options:
    """Per-request knobs derived from quirks and modifiers."""

    tz_name: str
    json_properties: bool  # False: properties come back as objects (ideal mode)
    row_cap: int | None
    allow_offset: bool


def execute(query: Select, store: EventStore, opts: Options) -> Outcome:
    """Run `query` on `store`: rows, column names and types, paging fields."""
    if query.table != "events":
        raise ApiError(400, f"Unknown table `{query.table}`.", code="hogql_error")
    compiler = Compiler(store, ZoneInfo(opts.tz_name))
    where = compiler.compile(query.where) if query.where is not None else Val("bool", const=True)
    if where.fn is None and not where.const:
        where = Val("bool", fn=lambda _i: False)
    if any(n.kind == "call" and n.value in AGGREGATES for n, _ in query.columns):
        return _aggregate(query, compiler, where, store, opts)
    cells, names, types = _projection(query, compiler, store, opts)
    limit, offset, paged = _limits(query, compiler, opts)
    wanted = offset + limit + (1 if paged else 0)
    indexes = _ordered_matches(query, compiler, where, store, wanted)
    rows = [[cell(i) for cell in cells] for i in indexes[offset : offset + limit]]
    more = len(indexes) > offset + limit if paged else None
    return Outcome(names, types, rows, more, limit if paged else None, offset if paged else None)


def _limits(query: Select, compiler: Compiler, opts: Options) -> tuple[int, int, bool]:
    if query.offset is not None and not opts.allow_offset:
        raise ApiError(400, OFFSET_NOT_ALLOWED_MESSAGE, code="hogql_error")
    offset = _int(compiler, query.offset) if query.offset is not None else 0
    if query.limit is None:
        return DEFAULT_LIMIT, offset, True
    limit = _int(compiler, query.limit)
    return (min(limit, opts.row_cap) if opts.row_cap is not None else limit), offset, False


def _int(compiler: Compiler, node: Node) -> int:
    val = compiler.compile(node)
    try:
        return max(0, int(val.const))
    except (TypeError, ValueError) as exc:
        raise ApiError(400, "LIMIT and OFFSET must be integer constants", code="hogql_error") from exc


def _ordered_matches(query: Select, compiler: Compiler, where: Val, store: EventStore, wanted: int) -> list[int]:
    start, stop = store.span(where.ts_lo, where.ts_hi)
    test = where.at()
    direction = _storage_direction(query.order)
    if direction is not None:
        indexes = range(start, stop) if direction == "asc" else range(stop - 1, start - 1, -1)
        out: list[int] = []
        for i in indexes:
            if test(i):
                out.append(i)
                if len(out) >= wanted:
                    break
        return out
    matches = [i for i in range(start, stop) if test(i)]
    for node, desc in reversed(query.order):  # stable sorts, least significant key first
        key = compiler.compile(node).at()
        matches.sort(key=key, reverse=desc)
    return matches[:wanted]


def _storage_direction(order: list[tuple[Node, bool]]) -> str | None:
    """Storage direction ("asc" or "desc") when ORDER BY is a prefix of (timestamp, uuid) in one direction."""
    if not order:
        return "asc"
    names = [n.value[-1] if n.kind == "field" else None for n, _ in order]
    if names != ["timestamp", "uuid"][: len(names)] or len({d for _, d in order}) != 1:
        return None
    return "desc" if order[0][1] else "asc"


def _projection(
    query: Select, compiler: Compiler, store: EventStore, opts: Options
) -> tuple[list[Callable[[int], Any]], list[str], list[list[str]]]:
    renderer = TzRenderer(opts.tz_name)
    cells: list[Callable[[int], Any]] = []
    names: list[str] = []
    types: list[list[str]] = []
    star = query.columns[0][0].kind == "star"
    items = [(Node("field", (c,)), None) for c in COLUMNS] if star else query.columns
    for node, alias in items:
        name = alias or _label(node)
        if node.kind == "field" and node.value == ("properties",) and not opts.json_properties:
            cells.append(store.properties)
            names.append(name)
            types.append([name, "String"])
            continue
        val = compiler.compile(node)
        cells.append(_cell(val, renderer))
        names.append(name)
        types.append([name, _type_name(val, opts)])
    return cells, names, types


def _type_name(val: Val, opts: Options) -> str:
    if val.type == "datetime":
        return f"DateTime64(6, '{opts.tz_name}')"
    return TYPE_NAMES.get(val.type, "String")


def _cell(val: Val, renderer: TzRenderer) -> Callable[[int], Any]:
    fn = val.at()
    if val.type == "uuid":
        return lambda i: _uuid_cell(fn(i))
    if val.type == "datetime":
        render = renderer.render
        return lambda i: render(fn(i))
    return fn


def _uuid_cell(key: tuple[int, int]) -> str:
    h = f"{key[1]:016x}{key[0]:016x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def _label(node: Node) -> str:
    if node.kind == "field":
        return ".".join(node.value)
    if node.kind == "call":
        return f"{node.value}({', '.join(_label(a) for a in node.args)})"
    return orjson.dumps(node.value).decode() if node.kind == "const" else node.kind


def _aggregate(query: Select, compiler: Compiler, where: Val, store: EventStore, opts: Options) -> Outcome:
    """count()/min(x)/max(x) columns over all matching rows: one result row."""
    start, stop = store.span(where.ts_lo, where.ts_hi)
    test = where.at()
    matches = [i for i in range(start, stop) if test(i)]
    renderer = TzRenderer(opts.tz_name)
    row: list[Any] = []
    names: list[str] = []
    types: list[list[str]] = []
    for node, alias in query.columns:
        if node.kind != "call" or node.value not in AGGREGATES:
            raise ApiError(
                400, "Mixing aggregates and plain columns needs GROUP BY, which is not supported", code="hogql_error"
            )
        names.append(alias or _label(node))
        if node.value == "count":
            row.append(len(matches))
            types.append([names[-1], "UInt64"])
            continue
        val = compiler.compile(node.args[0])
        values = [val.at()(i) for i in matches]
        best = (min if node.value == "min" else max)(values) if values else None
        row.append(
            renderer.render(best)
            if val.type == "datetime" and best is not None
            else (_uuid_cell(best) if val.type == "uuid" and best is not None else best)
        )
        types.append([names[-1], _type_name(val, opts)])
    return Outcome(names, types, [row], None, None, None)


OFFSET_NOT_ALLOWED_MESSAGE = (
    "OFFSET is not supported on queries made with a personal API key. "
    "For pagination, use keyset pagination on the `timestamp` column, e.g. "
    "`WHERE timestamp > :last_seen_timestamp ORDER BY timestamp LIMIT N`. "
    "For bulk data extraction, use batch exports: https://posthog.com/docs/cdp/batch-exports"
)
