"""dlt column hints derived from a stream's JSON schema (schemas/<stream>.json).

dlt infers column types from the first values it sees and flattens nested objects into one column per key (and
lists into child tables). A PostHog `properties` object has hundreds of free-form keys, so every object or array
becomes one `json` column instead; `format: date-time` strings become `timestamp` (TIMESTAMP WITH TIME ZONE in
DuckDB), so a column is typed even when its first values are null. Column hint names and types: dlt's "Schema"
documentation (data types `text`, `bigint`, `double`, `bool`, `timestamp`, `date`, `json`), checked with dlt 1.31.
"""

from typing import Any

SCALAR_TYPES = {"string": "text", "integer": "bigint", "number": "double", "boolean": "bool"}
STRING_FORMATS = {"date-time": "timestamp", "date": "date"}


def column_hints(schema: dict[str, Any], primary_key: tuple[str, ...]) -> dict[str, dict[str, Any]]:
    """One dlt column per top-level property of the schema; key columns are not nullable."""
    columns: dict[str, dict[str, Any]] = {}
    for name, prop in schema.get("properties", {}).items():
        data_type = data_type_of(prop)
        if data_type is None:
            continue
        column: dict[str, Any] = {"data_type": data_type, "nullable": name not in primary_key}
        columns[name] = column
    return columns


def data_type_of(prop: dict[str, Any]) -> str | None:
    """The dlt data type of a JSON-schema property, or None to let dlt infer it (no or mixed types)."""
    declared = prop.get("type", [])
    types = {declared} if isinstance(declared, str) else set(declared)
    types.discard("null")
    if types & {"object", "array"}:
        return "json"
    if len(types) != 1:
        return None
    kind = types.pop()
    if kind == "string":
        return STRING_FORMATS.get(str(prop.get("format")), "text")
    return SCALAR_TYPES.get(kind)
