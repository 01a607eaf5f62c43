"""ClickHouse column types, as PostHog's `/query/` reports them, turned into JSON schema and key comparisons.

`HogQLQueryResponse.types` (posthog/schema.py @ f89852a7, "Types of returned columns") is what ClickHouse's
driver returns with `with_column_types=True` (posthog/hogql/query.py @ fee38f09): one `[name, type]` pair per
column, e.g. `["cost", "Nullable(Float64)"]`. Only the wrappers change nullability; a type this table does not
know becomes `{}` (any value), never a guess that a destination would enforce.
"""

import re
from typing import Any

from source_posthog.streams.query.sql import KeyType

WRAPPED = re.compile(r"^(\w+)\((.*)\)$")
INTEGER = re.compile(r"^U?Int(8|16|32|64|128|256)$")
NUMBER = re.compile(r"^(Float(32|64)|Decimal(32|64|128|256)?)$")
TEXT = {"String", "FixedString", "UUID", "Enum8", "Enum16", "IPv4", "IPv6"}
DATETIME = {"DateTime", "DateTime64"}
DATE = {"Date", "Date32"}


def split_type(type_name: str) -> tuple[str, str]:
    """`Nullable(DateTime64(6, 'UTC'))` -> ("Nullable", "DateTime64(6, 'UTC')"); `String` -> ("String", "")."""
    match = WRAPPED.match(type_name.strip())
    return (match.group(1), match.group(2)) if match else (type_name.strip(), "")


def json_schema(type_name: str) -> dict[str, Any]:
    """The JSON schema of a column of this ClickHouse type (null allowed only where ClickHouse allows it)."""
    outer, inner = split_type(type_name)
    if outer == "Nullable":
        schema = json_schema(inner)
        kind = schema.get("type")
        return {**schema, "type": [kind, "null"]} if isinstance(kind, str) and kind != "null" else schema
    if outer == "LowCardinality":
        return json_schema(inner)
    if outer == "Array":
        return {"type": "array", "items": json_schema(inner)}
    return plain_schema(outer)


PLAIN: dict[str, dict[str, Any]] = {
    "Bool": {"type": "boolean"},
    **{name: {"type": "string", "format": "date-time"} for name in DATETIME},
    **{name: {"type": "string", "format": "date"} for name in DATE},
    **{name: {"type": "string"} for name in TEXT - {"UUID"}},
    "UUID": {"type": "string", "format": "uuid"},
    "Tuple": {"type": "array"},  # PostHog sends tuples as JSON arrays
    **{name: {"type": "object"} for name in ("Map", "JSON", "Object")},
    "Nothing": {"type": "null"},
}


def plain_schema(outer: str) -> dict[str, Any]:
    """A type without wrappers; one this table does not know accepts any value."""
    if INTEGER.match(outer):
        return {"type": "integer"}
    if NUMBER.match(outer):
        return {"type": "number"}
    return dict(PLAIN.get(outer, {}))


def key_type(type_name: str) -> KeyType:
    """How a key or cursor value of this type is written back into a keyset condition."""
    outer, inner = split_type(type_name)
    if outer in ("Nullable", "LowCardinality"):
        return key_type(inner)
    if outer in DATETIME or outer in DATE:
        return KeyType.DATETIME
    if outer == "UUID":
        return KeyType.UUID
    return KeyType.INTEGER if INTEGER.match(outer) or NUMBER.match(outer) else KeyType.TEXT


def record_schema(types: list[tuple[str, str]], key: tuple[str, ...]) -> dict[str, Any]:
    """The stream's schema: each result column, plus `project_id`; the key columns are required."""
    properties = {name: json_schema(type_name) for name, type_name in types}
    properties["project_id"] = {"type": "integer"}
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",
        "type": "object",
        "additionalProperties": True,
        "properties": properties,
        "required": ["project_id", *key],
    }
