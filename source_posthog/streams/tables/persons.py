"""How a HogQL table's rows become a stream's records, one page at a time (the row's `TableSpec.shape`).

- PLAIN: each row as {column: cell}, `properties` JSON text parsed, columns renamed where the row says.
- PERSONS: the record the `/persons/` list gives: distinct ids looked up in the project's distinct-id store
  (distinct_ids.py: one bounded pass over `person_distinct_ids`, never a per-page query over the whole team),
  `name` as PostHog computes it, `uuid` = `id`, and null/empty for what the `persons` table does not hold
  (`last_seen_at`, `matched_recordings`, `value_at_data_point`).
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any
from uuid import UUID

import orjson

from source_posthog.streams.query.keyset import TableScan
from source_posthog.streams.query.tables import PDI_TABLE
from source_posthog.streams.specs import Shape
from source_posthog.streams.tables.distinct_ids import DistinctIdStore, fill

Record = dict[str, Any]
Shaper = Callable[[list[Record]], list[Record]]
Owned = Callable[[list[str]], dict[str, list[str]]]
"""{person id: its distinct ids} for a page's person ids (DistinctIdStore.of)."""
# Posthog's PERSON_DEFAULT_DISPLAY_NAME_PROPERTIES (posthog/api/person.py, frontend constants.tsx)
DISPLAY_NAME_PROPERTIES = ("email", "Email", "$email", "name", "Name", "username", "Username", "UserName")
DISTINCT_IDS_CAP = 1000  # the /persons/ list's cap per person, kept so records look as they did


def plain(records: list[Record], rename: dict[str, str]) -> list[Record]:
    """Rows as records: JSON text properties parsed, renamed columns."""
    for record in records:
        if isinstance(record.get("properties"), str):
            record["properties"] = orjson.loads(record["properties"])
        for column, name in rename.items():
            record[name] = record.pop(column, None)
    return records


@contextmanager
def shaper(shape: Shape, rename: dict[str, str], scan: TableScan) -> Iterator[Shaper]:
    """How the scan's pages become records; for persons, with the project's distinct ids read first."""
    if shape is not Shape.PERSONS:
        yield lambda records: plain(records, rename)
        return
    with DistinctIdStore() as store:
        fill(store, replace(scan, table=PDI_TABLE))
        yield lambda records: persons(records, store.of)


def persons(records: list[Record], owned_by: Owned) -> list[Record]:
    """Persons as the `/persons/` list shapes them, with the distinct ids the store holds for them."""
    owned = owned_by([record["id"] for record in records])
    for record in plain(records, {}):
        distinct_ids = sorted(owned.get(record["id"], ()), key=lambda d: (is_anonymous(d), d))[:DISTINCT_IDS_CAP]
        record.update(type="person", uuid=record["id"], distinct_ids=distinct_ids, last_seen_at=None)
        record.update(name=display_name(record), matched_recordings=[], value_at_data_point=None)
    return records


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
