"""A condition or field of a HogQL query over one of the small tables (tables/rows), evaluated on a row.

Values come out comparable as ClickHouse compares them: UUIDs in ClickHouse's order (second half first),
as `ORDER BY id` does on PostHog; datetimes as int microseconds. Its own module so that the query runner
(tables/others) and the keyset fast path (tables/keyset) share one evaluator without importing each other.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from posthog_emulator.common.timefmt import parse_datetime
from posthog_emulator.common.web import ApiError
from posthog_emulator.data import ids
from posthog_emulator.hogql import logic
from posthog_emulator.hogql.expr import Node

Row = dict[str, Any]
# The events evaluator's comparisons, plus the IN tests the person tables are filtered with.
OPS: dict[str, Callable[[Any, Any], bool]] = {
    **logic.OPS,
    "in": lambda a, b: a in b,
    "not in": lambda a, b: a not in b,
}


def field_name(node: Node, types: dict[str, str]) -> str:
    """The column a field (or a call, by its label) names; a 400 as PostHog's if the table has none."""
    name = str(node.value[-1]) if node.kind == "field" else label_of(node)
    if name not in types:
        raise ApiError(400, f"Unable to resolve field: {label_of(node)}", code="hogql_query_error")
    return name


def label_of(node: Node) -> str:
    """The field name, `fn(arg, ...)` for a call, or the node's kind for anything else."""
    if node.kind == "call":
        return f"{node.value}({', '.join(label_of(arg) for arg in node.args)})"
    return ".".join(node.value) if node.kind == "field" else node.kind


def comparable(kind: str, value: Any) -> Any:
    """A column value as ClickHouse orders it: a UUID by its ClickHouse key, anything else as is."""
    return ids.clickhouse_key(ids.parse_uuid(value)) if kind == "uuid" else value


def value_of(node: Node, row: Row, types: dict[str, str]) -> Any:
    """The node's value on the row, comparable as ClickHouse compares it."""
    kind = node.kind
    if kind == "field":
        name = field_name(node, types)
        return comparable(types[name], row[name])
    if kind == "const":
        return tuple(node.value) if isinstance(node.value, list) else node.value
    if kind == "call" and node.args:
        return call(node, value_of(node.args[0], row, types))
    if kind in COMBINED:
        return COMBINED[kind](node, [value_of(arg, row, types) for arg in node.args])
    raise ApiError(400, f"The emulator does not serve `{label_of(node)}` on this table.", code="hogql_error")


COMBINED: dict[str, Callable[[Node, list[Any]], Any]] = {
    "tuple": lambda _node, args: tuple(args),
    "and": lambda _node, args: all(args),
    "or": lambda _node, args: any(args),
    "not": lambda _node, args: not args[0],
    "cmp": lambda node, args: OPS[node.value](args[0], args[1]),
}


def call(node: Node, arg: Any) -> Any:
    """The conversion functions the connector's conditions use, applied to their argument's value."""
    if node.value == "toUUID" and isinstance(arg, str):
        return ids.clickhouse_key(ids.parse_uuid(arg))
    if node.value in ("toDateTime64", "toDateTime") and isinstance(arg, str):
        return parse_datetime(arg)
    if node.value in ("toUUID", "toDateTime64", "toDateTime"):
        return arg  # a column of that type already
    raise ApiError(400, f"The emulator does not serve {node.value}() on this table.", code="hogql_error")
