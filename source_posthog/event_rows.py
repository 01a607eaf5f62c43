r"""Turn `/query/` result rows into event records shaped like the legacy `/events/` list, cheaply.

    {"columns": ["uuid", "event", "distinct_id", "timestamp", "properties", "elements_chain"],
     "results": [["0190...", "$pageview", "u1", "2026-05-01T08:00:00.123000-04:00", "{\"a\":1}", ""]]}

This is the per-row hot path of a sync: cells are picked by column index, only `properties` is
JSON-decoded, `elements_chain` is parsed only when non-empty, and a UTC timestamp with a 6-digit
fraction is rewritten by slicing; anything else (project timezone, no fraction) is parsed.
`person` is null: the query does not join persons (expensive, and the existing connector never
asked `/events/` for it either, so its records had `person: null` too).
"""

from collections.abc import Iterator
from typing import Any

import orjson

from source_posthog.elements import parse_elements
from source_posthog.errors import InternalError
from source_posthog.timestamps import format_timestamp, parse_timestamp

COLUMNS = ("uuid", "event", "distinct_id", "timestamp", "properties", "elements_chain")
UTC_Z_LENGTH = len("2026-05-01T12:00:00.123000Z")
UTC_OFFSET_LENGTH = len("2026-05-01T12:00:00.123000+00:00")


def canonical_timestamp(value: str) -> str:
    """Any PostHog datetime cell as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`."""
    if len(value) == UTC_Z_LENGTH and value[-1] == "Z" and value[19] == ".":
        return value[:-1] + "+00:00"
    if len(value) == UTC_OFFSET_LENGTH and value.endswith("+00:00") and value[19] == ".":
        return value
    return format_timestamp(parse_timestamp(value))


def column_indexes(page: dict[str, Any]) -> tuple[int, ...]:
    """Where each of COLUMNS sits in this page's rows (PostHog returns cells in `columns` order)."""
    columns = page.get("columns")
    if not isinstance(columns, list) or not isinstance(page.get("results"), list):
        raise InternalError("Unexpected /query/ response: expected `columns` and `results` lists.")
    try:
        return tuple(columns.index(name) for name in COLUMNS)
    except ValueError:
        raise InternalError(f"The /query/ response lacks a column; got {columns}, need {list(COLUMNS)}.") from None


def iter_records(rows: list[list[Any]], indexes: tuple[int, ...], project_id: int) -> Iterator[dict[str, Any]]:
    """One record per row, in row order; each is built and handed out before the next is parsed."""
    i_uuid, i_event, i_distinct, i_timestamp, i_properties, i_chain = indexes
    loads = orjson.loads
    for row in rows:
        properties = row[i_properties]
        if isinstance(properties, str):  # a JSON string on PostHog; some versions return an object
            properties = loads(properties) if properties else {}
        chain = row[i_chain]
        yield {
            "id": row[i_uuid],
            "distinct_id": row[i_distinct],
            "properties": properties,
            "event": row[i_event],
            "timestamp": canonical_timestamp(row[i_timestamp]),
            "person": None,
            "elements": parse_elements(chain) if chain else [],
            "elements_chain": chain,
            "project_id": project_id,
        }
