"""Conditions made ready once per query, and keyset pages cut straight from tables kept in order.

Sessions has about as many rows as a project has events, so filtering and sorting the whole table per page
is too slow; a table listed in ORDERED keeps its rows in its keyset order, and a page ordered that way
bisects to the bounds the WHERE implies and stops at LIMIT. Folding a condition's constants (`toUUID('..')`,
`toDateTime64('..')`, strings compared with typed columns) likewise avoids redoing them on every row.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections.abc import Callable, Iterator
from typing import Any

from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.parse import Select
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import sessions
from posthog_emulator.tables.row_eval import call, field_name, label_of, value_of

Row = dict[str, Any]
# Tables kept in their keyset order: (ORDER BY columns, rows whose first key lies in [lo, hi] in that order).
Window = Callable[[Runtime, int, Any, Any], Iterator[Row]]
ORDERED: dict[str, tuple[tuple[str, ...], Window]] = {"sessions": (sessions.ORDER, sessions.window)}
CASTS = {"datetime": "toDateTime64", "uuid": "toUUID"}


def keyset_page(query: Select, rt: Runtime, pid: int, types: dict[str, str], limit: int) -> list[Row] | None:
    """The page straight from an ORDERED table when ORDER BY is (a prefix of) its order ascending; else None."""
    if query.table not in ORDERED or query.group_by:
        return None
    order, window = ORDERED[query.table]
    asked = [(field_name(node, types), desc) for node, desc in query.order]
    if asked != [(name, False) for name in order[: len(asked)]]:
        return None
    where, key = query.where, order[0]
    bounds = (None, None) if where is None else (_bound(where, key, types, True), _bound(where, key, types, False))
    rows = window(rt, pid, *bounds)
    matches = rows if where is None else (row for row in rows if value_of(where, row, types))
    return list(itertools.islice(matches, limit))


def bound_on(node: Node, name: str, types: dict[str, str], lower: bool) -> Any:
    """A lower (or upper) bound on field `name` that the condition implies (query/session_cost); None if unknown."""
    return _bound(node, name, types, lower)


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
    value = value_of(node.args[1], {}, types) if field_name(node.args[0], types) == name else None
    return value if isinstance(value, int) and not isinstance(value, bool) else None  # datetimes are int us


def _constant(node: Node) -> bool:
    return node.kind == "const" or (node.kind == "call" and all(_constant(arg) for arg in node.args))


def folded(node: Node, types: dict[str, str]) -> Node:
    """The condition with its constants worked out once rather than per row.

    That is calls such as `toDateTime64('...')`, and strings compared with a datetime or UUID column, which
    ClickHouse reads as that type.
    """
    try:
        if node.kind == "call" and _constant(node):
            return Node("const", value_of(node, {}, {}))
        args = tuple(folded(arg, types) for arg in node.args)
        if node.kind == "cmp" and node.value not in ("in", "not in"):
            args = (_cast(args[0], args[1], types), _cast(args[1], args[0], types))
        return dataclasses.replace(node, args=args)
    except ValueError as exc:
        raise ApiError(400, f"Cannot convert a constant in `{label_of(node)}`: {exc}", code="hogql_error") from exc


def _cast(node: Node, other: Node, types: dict[str, str]) -> Node:
    """`node`, read as the type of the column it is compared with when it is a string constant."""
    kind = types.get(field_name(other, types)) if other.kind == "field" else None
    if kind not in CASTS or node.kind != "const" or not isinstance(node.value, str):
        return node
    return Node("const", call(Node("call", CASTS[kind]), node.value))
