"""The rows of HogQL's tables other than `events`, computed from the dataset at query time.

Columns as PostHog's `posthog/hogql/database/schema/` names them: persons (id, created_at, properties,
is_identified), person_distinct_ids (distinct_id, person_id), groups (index, key, created_at, updated_at,
properties), cohort_people and static_cohort_people (person_id, cohort_id), and sessions (tables/sessions).
Kept apart from the query evaluator so that the tables' contents, which the ground truth (control) also
reads, do not depend on how a query over them is answered.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from typing import Any

from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import raw_groups, raw_keys, sessions, warehouse

Row = dict[str, Any]


def _persons(rt: Runtime, pid: int) -> list[Row]:
    return [
        {"id": p["id"], "created_at": p["_created"], "properties": p["properties"], "is_identified": p["is_identified"]}
        for p in rt.dataset.persons[pid]
    ]


def _distinct_ids(rt: Runtime, pid: int) -> list[Row]:
    return [{"distinct_id": d, "person_id": p["id"]} for p in rt.dataset.persons[pid] for d in p["distinct_ids"]]


def _groups(rt: Runtime, pid: int) -> list[Row]:
    return list(rt.dataset.entities[pid].get("groups", []))


def cohort_members(rt: Runtime, pid: int, static: bool) -> list[Row]:
    """About a fifth of the persons in each live cohort of the kind, by a hash of (cohort, person)."""
    cohorts = [c["id"] for c in rt.dataset.entities[pid]["cohorts"] if c["is_static"] is static and not c["deleted"]]
    people = [p["id"] for p in rt.dataset.persons[pid]]
    return [
        {"person_id": p, "cohort_id": c} for c in cohorts for p in people if zlib.crc32(f"{c}:{p}".encode()) % 5 == 0
    ]


# Each table: its column types (the evaluator's kinds, see tables/others.CLICKHOUSE_TYPES) and its rows.
TABLES: dict[str, tuple[dict[str, str], Callable[[Runtime, int], list[Row]]]] = {
    "persons": ({"id": "uuid", "created_at": "datetime", "properties": "json", "is_identified": "bool"}, _persons),
    "person_distinct_ids": ({"distinct_id": "str", "person_id": "uuid"}, _distinct_ids),
    "groups": (
        {"index": "int", "key": "str", "created_at": "datetime", "updated_at": "datetime", "properties": "json"},
        _groups,
    ),
    "cohort_people": ({"person_id": "uuid", "cohort_id": "int"}, lambda rt, pid: cohort_members(rt, pid, False)),
    "static_cohort_people": ({"person_id": "uuid", "cohort_id": "int"}, lambda rt, pid: cohort_members(rt, pid, True)),
    "sessions": (sessions.COLUMNS, sessions.all_rows),
    "stripe_charge": (warehouse.COLUMNS, warehouse.stripe_charges),  # a data warehouse table
    # The stored tables under persons / person_distinct_ids; a bounded page's bound reads them (tables/raw_keys).
    "raw_persons": ({"id": "uuid", "version": "int", "is_deleted": "bool"}, raw_keys.person_rows),
    "raw_person_distinct_ids": (
        {"distinct_id": "str", "person_id": "uuid", "version": "int", "is_deleted": "bool"},
        raw_keys.distinct_id_rows,
    ),
    "raw_groups": (  # the stored table under groups, every version (tables/raw_groups)
        {"index": "int", "key": "str", "created_at": "datetime", "updated_at": "datetime", "properties": "json"},
        raw_groups.rows,
    ),
}
