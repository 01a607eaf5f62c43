"""Events through `POST /query/` (HogQL) with keyset pagination on (timestamp, uuid)."""

from datetime import datetime, timedelta
from typing import Any

from source_posthog.client import ApiClient
from source_posthog.ratelimit import EndpointClass
from source_posthog.state import Cursor
from source_posthog.timestamps import hogql_literal

COLUMNS = ("uuid", "event", "distinct_id", "timestamp", "properties", "elements_chain")
RANGE = "timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC')"
AFTER = (
    "(timestamp > toDateTime64({after_ts}, 6, 'UTC')"
    " OR (timestamp = toDateTime64({after_ts}, 6, 'UTC') AND uuid > toUUID({after_uuid})))"
)


def build_query(start: datetime, end: datetime, after: Cursor | None, limit: int) -> dict[str, Any]:
    """The /query/ body for one page: rows in [start, end) after `after`, oldest first, ties by uuid."""
    where = RANGE
    values = {"start": hogql_literal(start), "end": hogql_literal(end)}
    if after is not None and after.uuid is not None:
        where += " AND " + AFTER
        values |= {"after_ts": hogql_literal(after.timestamp), "after_uuid": after.uuid}
    # Only constants and an int are formatted in; every value travels as a typed HogQL placeholder.
    sql = f"SELECT {', '.join(COLUMNS)} FROM events WHERE {where} ORDER BY timestamp ASC, uuid ASC LIMIT {limit}"  # noqa: S608
    return {
        "query": {
            "kind": "HogQLQuery",
            "query": sql,
            "values": values,
            "modifiers": {"convertToProjectTimezone": False},
        },
        "refresh": "force_blocking",
        "name": "source-posthog events",
    }


def probe_query(client: ApiClient, project_id: int, since: datetime) -> Any:
    """One minimal query, used by `check` to prove the key has query:read."""
    body = build_query(since, since + timedelta(minutes=1), None, 1)
    return client.post_json(f"projects/{project_id}/query/", body, EndpointClass.QUERY)
