"""Run a parsed SELECT over one project's events: bisect the time range, scan, render cells.

When ORDER BY is a prefix of the storage order (timestamp, uuid), rows stream in order and the
scan stops at LIMIT, so a 50,000-row keyset page costs ~50,000 predicate calls however large
the project is. Other orders collect every match and sort. Aggregates and GROUP BY go to
hogql/group. Rows stored twice (duplicate_rows quirk) come out twice, adjacent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from zoneinfo import ZoneInfo

from posthog_emulator.common.timefmt import TzRenderer
from posthog_emulator.common.web import ApiError
from posthog_emulator.data.duplicates import expand
from posthog_emulator.data.eventstore import EventStore
from posthog_emulator.hogql import group
from posthog_emulator.hogql.evaluate import AGGREGATES, COLUMNS, Compiler
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.parse import Select
from posthog_emulator.hogql.result import Options, Outcome, cell, label, type_name
from posthog_emulator.hogql.val import Val

DEFAULT_LIMIT = 100  # without LIMIT the API pages 100 rows with hasMore

__all__ = ["Options", "Outcome", "execute"]


def execute(query: Select, store: EventStore, opts: Options) -> Outcome:
    """Run `query` on `store`: rows, column names and types, paging fields."""
    if query.table != "events":
        raise ApiError(400, f"Unknown table `{query.table}`.", code="hogql_error")
    compiler = Compiler(store, ZoneInfo(opts.tz_name))
    where = compiler.compile(query.where) if query.where is not None else Val("bool", const=True)
    if where.fn is None and not where.const:
        where = Val("bool", fn=lambda _i: False)
    ts_range = (where.ts_lo, where.ts_hi)
    if query.group_by or any(n.kind == "call" and n.value in AGGREGATES for n, _ in query.columns):
        window = _limits(query, compiler, opts)
        out = group.aggregate(query, compiler, _matching(where, store, opts), opts, window)
        out.ts_range = ts_range
        return out
    cells, names, types = _projection(query, compiler, store, opts)
    limit, offset, paged = _limits(query, compiler, opts)
    wanted = offset + limit + (1 if paged else 0)
    indexes = _ordered_matches(query, compiler, where, opts, wanted)
    rows = [[c(i) for c in cells] for i in indexes[offset : offset + limit]]
    more = len(indexes) > offset + limit if paged else None
    return Outcome(names, types, rows, more, limit if paged else None, offset if paged else None, ts_range)


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


def _matching(where: Val, store: EventStore, opts: Options) -> Iterable[int]:
    """Indexes of matching rows in storage order, duplicates repeated."""
    start, stop = store.span(where.ts_lo, where.ts_hi)
    rows = filter(where.at(), range(start, stop))
    return rows if opts.duplicate is None else expand(rows, opts.duplicate)


def _ordered_matches(query: Select, compiler: Compiler, where: Val, opts: Options, wanted: int) -> list[int]:
    store = compiler.store
    direction = _storage_direction(query.order)
    if direction is None:
        matches = list(_matching(where, store, opts))
        for node, desc in reversed(query.order):  # stable sorts, least significant key first
            key = compiler.compile(node).at()
            matches.sort(key=key, reverse=desc)
        return matches[:wanted]
    start, stop = store.span(where.ts_lo, where.ts_hi)
    indexes = range(start, stop) if direction == "asc" else range(stop - 1, start - 1, -1)
    test = where.at()
    rows = filter(test, indexes) if opts.duplicate is None else expand(filter(test, indexes), opts.duplicate)
    out: list[int] = []
    for i in rows:
        out.append(i)
        if len(out) >= wanted:
            break
    return out


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
        name = alias or label(node)
        if node.kind == "field" and node.value == ("properties",) and not opts.json_properties:
            cells.append(store.properties)
            names.append(name)
            types.append([name, "String"])
            continue
        val = compiler.compile(node)
        cells.append(cell(val, renderer))
        names.append(name)
        types.append([name, type_name(val, opts)])
    return cells, names, types


OFFSET_NOT_ALLOWED_MESSAGE = (
    "OFFSET is not supported on queries made with a personal API key. "
    "For pagination, use keyset pagination on the `timestamp` column, e.g. "
    "`WHERE timestamp > :last_seen_timestamp ORDER BY timestamp LIMIT N`. "
    "For bulk data extraction, use batch exports: https://posthog.com/docs/cdp/batch-exports"
)
