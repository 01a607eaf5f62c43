"""What a HogQL answer looks like: request options, the outcome, ClickHouse type names, cell rendering."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import orjson

from posthog_emulator.common.timefmt import TzRenderer
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.val import Val

TYPE_NAMES = {
    "uuid": "UUID",
    "str": "String",
    "json": "String",
    "number": "Float64",
    "bool": "UInt8",
    "null": "Nullable(Nothing)",
}


@dataclass(frozen=True)
class Options:
    """Per-request knobs derived from quirks and modifiers."""

    tz_name: str
    json_properties: bool  # False: properties come back as objects (ideal mode)
    row_cap: int | None
    allow_offset: bool
    duplicate: Callable[[int], bool] | None = None  # row index -> stored twice (duplicate_rows quirk)


@dataclass
class Outcome:
    """Rows plus the paging fields of the response (§6.8), and what the cost model needs."""

    columns: list[str]
    types: list[list[str]]
    rows: list[list[Any]]
    has_more: bool | None
    limit: int | None
    offset: int | None
    ts_range: tuple[int | None, int | None] = (None, None)  # the WHERE's inclusive timestamp bounds
    aggregate: bool = False  # counted without a top-N sort
    matched_rows: int | None = None  # other tables: rows the WHERE kept, before GROUP BY and LIMIT


def type_name(val: Val, opts: Options) -> str:
    """The `types` entry ClickHouse would report for this expression."""
    if val.sql_type is not None:
        return val.sql_type
    if val.type == "datetime":
        return f"DateTime64(6, '{opts.tz_name}')"
    return TYPE_NAMES.get(val.type, "String")


def cell(val: Val, renderer: TzRenderer) -> Callable[[int], Any]:
    """Row index -> the JSON cell: UUID text, datetime text in the query timezone, or the value."""
    fn = val.at()
    if val.type == "uuid":
        return lambda i: uuid_cell(fn(i))
    if val.type == "datetime":
        render = renderer.render
        return lambda i: render(fn(i))
    return fn


def render_value(val: Val, value: Any, renderer: TzRenderer) -> Any:
    """One already computed value (a group key or an aggregate) as a JSON cell."""
    if value is None:
        return None
    if val.type == "datetime":
        return renderer.render(value)
    return uuid_cell(value) if val.type == "uuid" else value


def uuid_cell(key: tuple[int, int]) -> str:
    """Canonical text of a (lo, hi) UUID key."""
    h = f"{key[1]:016x}{key[0]:016x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def label(node: Node) -> str:
    """The column name HogQL gives an unaliased expression."""
    if node.kind == "field":
        return ".".join(node.value)
    if node.kind == "call":
        return f"{node.value}({', '.join(label(a) for a in node.args)})"
    return orjson.dumps(node.value).decode() if node.kind == "const" else node.kind
