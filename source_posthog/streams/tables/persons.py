"""How a HogQL table's rows become a stream's records, one page at a time (the row's `TableSpec.shape`).

- PLAIN: each row as {column: cell}, `properties` JSON text parsed, columns renamed where the row says.
- PERSONS: the record the `/persons/` list gives: distinct ids from `person_distinct_ids` (one grouped query
  per page over the page's key range, halved while the answer may be cut (row_cap.py: the LIMIT, or an older
  instance's smaller silent cap) or hits a query limit), `name` as
  PostHog computes it, `uuid` = `id`, and null/empty for what the `persons` table does not hold
  (`last_seen_at`, `matched_recordings`, `value_at_data_point`).
"""

from collections.abc import Callable
from typing import Any
from uuid import UUID

import orjson

from source_posthog.errors import QueryLimitError
from source_posthog.streams.query.client import QueryPoster, row_cap_of
from source_posthog.streams.query.sql import hogql_body, run_query
from source_posthog.streams.specs import Shape

Record = dict[str, Any]
# Posthog's PERSON_DEFAULT_DISPLAY_NAME_PROPERTIES (posthog/api/person.py, frontend constants.tsx)
DISPLAY_NAME_PROPERTIES = ("email", "Email", "$email", "name", "Name", "username", "Username", "UserName")
DISTINCT_IDS_CAP = 1000  # the /persons/ list's cap per person, kept so records look as they did
GROUPED_ROW_LIMIT = 50_000  # the LIMIT below: PostHog's cap today; older instances cut at 10,000 (row_cap.py)
DISTINCT_IDS_SQL = (
    "SELECT person_id, groupArray(distinct_id) AS distinct_ids FROM person_distinct_ids "
    "WHERE person_id >= toUUID({first}) AND person_id <= toUUID({last}) "
    "GROUP BY person_id LIMIT 50000"
)


def plain(records: list[Record], rename: dict[str, str]) -> list[Record]:
    """Rows as records: JSON text properties parsed, renamed columns."""
    for record in records:
        if isinstance(record.get("properties"), str):
            record["properties"] = orjson.loads(record["properties"])
        for column, name in rename.items():
            record[name] = record.pop(column, None)
    return records


def persons(records: list[Record], client: QueryPoster, project_id: int) -> list[Record]:
    """Persons as the `/persons/` list shapes them, their distinct ids read for the page's id range."""
    owned = distinct_ids_of(client, project_id, [record["id"] for record in records])
    for record in plain(records, {}):
        distinct_ids = sorted(owned.get(record["id"], ()), key=lambda d: (is_anonymous(d), d))[:DISTINCT_IDS_CAP]
        record.update(type="person", uuid=record["id"], distinct_ids=distinct_ids, last_seen_at=None)
        record.update(name=display_name(record), matched_recordings=[], value_at_data_point=None)
    return records


def distinct_ids_of(client: QueryPoster, project_id: int, ids: list[str]) -> dict[str, list[str]]:
    """{person id: its distinct ids} for persons whose id lies between the first and last of `ids` (key order)."""
    if not ids:
        return {}
    values = {"first": ids[0], "last": ids[-1]}
    try:
        rows = run_query(client, project_id, hogql_body(DISTINCT_IDS_SQL, values, "source-posthog persons"))["results"]
    except QueryLimitError:
        if len(ids) == 1:
            raise
        return _per_half(client, project_id, ids)  # too many distinct ids for PostHog's time limit
    if len(ids) > 1 and row_cap_of(client).may_be_cut(len(rows), GROUPED_ROW_LIMIT):
        return _per_half(client, project_id, ids)  # maybe cut at the LIMIT or the instance's row cap
    return {str(row[0]): list(row[1]) for row in rows}


def _per_half(client: QueryPoster, project_id: int, ids: list[str]) -> dict[str, list[str]]:
    half = len(ids) // 2
    return distinct_ids_of(client, project_id, ids[:half]) | distinct_ids_of(client, project_id, ids[half:])


def display_name(person: Record) -> str:
    """PostHog's `get_person_name`: the first display property set, else a distinct id (identified first), else id."""
    properties = person.get("properties") or {}
    for name in DISPLAY_NAME_PROPERTIES:
        if properties.get(name):
            return str(properties[name])
    return str(person["distinct_ids"][0]) if person["distinct_ids"] else str(person["id"])


def is_anonymous(distinct_id: str) -> bool:
    """A UUID distinct id is an SDK's anonymous one (PostHog's `is_anonymous_id`)."""
    try:
        UUID(distinct_id)
    except ValueError:
        return False
    return True


Shaper = Callable[[list[Record], QueryPoster, int, dict[str, str]], list[Record]]
SHAPERS: dict[Shape, Shaper] = {
    Shape.PLAIN: lambda records, _client, _project_id, rename: plain(records, rename),
    Shape.PERSONS: lambda records, client, project_id, _rename: persons(records, client, project_id),
}
