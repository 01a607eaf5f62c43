"""GROUP BY and the aggregates count()/min()/max(): one row per group, ordered by ORDER BY.

ClickHouse hashes rows into groups, so without ORDER BY their order is arbitrary; the emulator
keeps first-seen (storage) order. Without GROUP BY every row falls in one group, which exists even
when nothing matches (`count()` = 0). GROUP BY and ORDER BY may name a select alias or repeat a
select expression, as the connector's density query does (`... AS hour ... GROUP BY hour ORDER BY hour`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from posthog_emulator.common.timefmt import TzRenderer
from posthog_emulator.hogql.evaluate import AGGREGATES, Compiler
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.funcs import hogql_error
from posthog_emulator.hogql.parse import Select
from posthog_emulator.hogql.result import Options, Outcome, label, render_value, type_name
from posthog_emulator.hogql.val import Val

COUNT = Val("number", sql_type="UInt64")


@dataclass(frozen=True)
class Column:
    """A select column: a GROUP BY key (`key` is its position) or an aggregate `func` over `val`."""

    name: str
    val: Val
    key: int | None = None
    func: str | None = None


def aggregate(
    query: Select, compiler: Compiler, rows: Iterable[int], opts: Options, window: tuple[int, int, bool]
) -> Outcome:
    """Group the matching `rows`, aggregate, order, then apply (limit, offset, paged) `window`."""
    aliases = {alias: node for node, alias in query.columns if alias}
    keys = [_resolve(node, aliases) for node in query.group_by]
    key_vals = [compiler.compile(node) for node in keys]
    columns = [_column(node, alias, keys, key_vals, compiler) for node, alias in query.columns]
    groups = _accumulate(rows, key_vals, columns)
    if not keys and not groups:
        groups[()] = [0 if c.func == "count" else None for c in columns]
    table = [_row(key, state, columns) for key, state in groups.items()]
    for node, desc in reversed(query.order):  # stable sorts, least significant key first
        at = _order_index(_resolve(node, aliases), query)
        table.sort(key=lambda r: (r[at] is None, r[at]), reverse=desc)
    limit, offset, paged = window
    renderer = TzRenderer(opts.tz_name)
    page = [[render_value(c.val, v, renderer) for c, v in zip(columns, r, strict=True)] for r in table]
    types = [[c.name, type_name(c.val, opts)] for c in columns]
    more = len(table) > offset + limit if paged else None
    return Outcome(
        [c.name for c in columns],
        types,
        page[offset : offset + limit],
        more,
        limit if paged else None,
        offset if paged else None,
        aggregate=True,
    )


def _resolve(node: Node, aliases: dict[str, Node]) -> Node:
    """A bare name that is a select alias stands for the aliased expression (ClickHouse prefers aliases)."""
    if node.kind == "field" and len(node.value) == 1 and node.value[0] in aliases:
        return aliases[node.value[0]]
    return node


def _column(node: Node, alias: str | None, keys: list[Node], key_vals: list[Val], compiler: Compiler) -> Column:
    name = alias or label(node)
    if node.kind == "call" and node.value in AGGREGATES:
        if node.value == "count":
            return Column(name, COUNT, func="count")
        if len(node.args) != 1:
            raise hogql_error(f"Aggregation '{node.value}' expects exactly one argument")
        return Column(name, compiler.compile(node.args[0]), func=node.value)
    if node in keys:
        return Column(name, key_vals[keys.index(node)], key=keys.index(node))
    raise hogql_error(f"Column `{name}` is not under aggregate function and not in GROUP BY keys")


def _key_fn(key_vals: list[Val]) -> Callable[[int], Any]:
    """Row -> its group: the key's value for one key (fast), a tuple for several, () for none."""
    fns = [v.at() for v in key_vals]
    if len(fns) == 1:
        return fns[0]
    if not fns:
        return lambda _i: ()
    return lambda i: tuple(f(i) for f in fns)


def _accumulate(rows: Iterable[int], key_vals: list[Val], columns: list[Column]) -> dict[Any, list[Any]]:
    """{key tuple: per-column state}; count-only queries (the density query) take a C-speed Counter."""
    key_fn = _key_fn(key_vals)
    wrap = len(key_vals) == 1  # one key's values are used bare while counting (a UUID is itself a tuple)
    if all(c.func in (None, "count") for c in columns):
        counts = Counter(map(key_fn, rows))
        return {((key,) if wrap else key): [n if c.func else None for c in columns] for key, n in counts.items()}
    aggs = [(k, c.func, c.val.at()) for k, c in enumerate(columns) if c.func]
    groups: dict[Any, list[Any]] = {}
    for i in rows:
        key = key_fn(i)
        state = groups.get(key)
        if state is None:
            state = groups[key] = [0 if c.func == "count" else None for c in columns]
        for k, func, fn in aggs:
            if func == "count":
                state[k] += 1
                continue
            value, current = fn(i), state[k]
            if value is not None and (current is None or (value < current if func == "min" else value > current)):
                state[k] = value
    return {((key,) if wrap else key): state for key, state in groups.items()}


def _row(key: tuple[Any, ...], state: list[Any], columns: list[Column]) -> list[Any]:
    """Raw (unrendered) cells of one group: key parts and aggregate results."""
    return [key[c.key] if c.key is not None else state[k] for k, c in enumerate(columns)]


def _order_index(node: Node, query: Select) -> int:
    for k, (column, alias) in enumerate(query.columns):
        if node == column or (alias is not None and node == Node("field", (alias,))):
            return k
    raise hogql_error(f"ORDER BY {label(node)}: the emulator orders grouped rows by select columns or aliases only")
