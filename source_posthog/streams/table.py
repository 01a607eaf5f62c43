"""The stream table: one row per stream, the single place that says how each stream is read.

A row holds what every stream has and one read spec (stream.py) whose type is its reader: a REST list,
a date-bounded REST list, a HogQL table, or events. Adding a full-refresh REST stream is one row plus
`schemas/<name>.json`; adding a HogQL stream is one row (table, columns, key order) plus a schema.
`discover`, `read` and `check` all iterate this table. Where each endpoint's facts come from: docs/posthog-sources.md.
"""

from collections.abc import Mapping
from dataclasses import fields
from datetime import timedelta
from typing import Any

from source_posthog.config.model import Config
from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.custom.streams import custom_streams
from source_posthog.streams.query.sql import HogQLTable
from source_posthog.streams.query.tables import (
    COHORT_PEOPLE_TABLE,
    EVENTS_TABLE,
    GROUPS_TABLE,
    PDI_TABLE,
    PERSONS_TABLE,
    SESSION_FIELDS,
    SESSIONS_TABLE,
)
from source_posthog.streams.query.tables import STATIC_COHORT_PEOPLE_TABLE as STATIC_MEMBERS
from source_posthog.streams.rest.backrefs import tile_dashboard_ids
from source_posthog.streams.specs import Pass, Shape
from source_posthog.streams.stream import AnyStream, Backref, DatedSpec, EventsSpec, RestSpec, Stream, TableSpec

PAGE_SIZE = "1000"  # PostHog's paginator has no maximum; 1000 keeps pages small and requests few


LIST = {"limit": PAGE_SIZE}
# Registered only `if EE_AVAILABLE` (posthog/api/__init__.py @129fc2db; products/experiments/backend/routes.py
# @d96ff7b3): a self-hosted instance without EE answers its catch-all 404 "Endpoint not found." there.
WITH_EE = "PostHog with EE"
ARCHIVED_TOO = (Pass(), Pass({"archived": "true"}))  # archived items only with archived=true, which lists only them


COMMON = frozenset(field.name for field in fields(Stream)) - {"name", "scope", "endpoint_class", "read"}


def split_fields(given: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """Keyword fields into (the spec's, the stream's common ones)."""
    return {k: v for k, v in given.items() if k not in COMMON}, {k: v for k, v in given.items() if k in COMMON}


def crud_list(
    name: str, scope: str, params: Mapping[str, str] = LIST, path: str = "", **given: Any
) -> Stream[RestSpec]:
    """The common row: a per-project REST list at `<name>/` (or `path`), paced as CRUD."""
    spec, common = split_fields(given)
    return Stream(name, scope, EndpointClass.CRUD, RestSpec(path or f"{name}/", params, **spec), **common)


PROJECTS = crud_list("projects", "project:read", per_project=False, original=True)
# basic=true skips computing results; order=id makes offset paging stable (the default order is not).
INSIGHTS = Stream(
    "insights",
    "insight:read",
    EndpointClass.ANALYTICS,
    RestSpec("insights/", {**LIST, "basic": "true"}, optional_params={"order": "id"}),
    original=True,
)
# Each insight names the dashboards it is on; `dashboard_tiles` is served to API keys, `dashboards` may not be.
DASHBOARD_INSIGHTS = Backref(
    INSIGHTS, via=tile_dashboard_ids, into="insight_ids", told="dashboard_tiles (nor the deprecated dashboards)"
)
# Property definitions do not say their kind: one pass per kind marks it. Group types are indexed 0-4; like
# PostHog's own tables, -1 stands for "no group type", so every part of the key has a value.
# `type` is event, person, group or session (PropertyDefinitionQuerySerializer, posthog/api/property_definition.py
# @77c948ee); group_type_index only for group. Instances older than session properties refuse that pass (400).
PROPERTY_KINDS = (
    Pass({"type": "event"}, {"type": "event", "group_type_index": -1}),
    Pass({"type": "person"}, {"type": "person", "group_type_index": -1}),
    *(Pass({"type": "group", "group_type_index": str(i)}, {"type": "group", "group_type_index": i}) for i in range(5)),
    Pass({"type": "session"}, {"type": "session", "group_type_index": -1}, optional=True),
)
GROUPS_RENAMED = {"index": "group_type_index", "key": "group_key"}


def query_table(name: str, table: HogQLTable, key: tuple[str, ...], **given: Any) -> Stream[TableSpec]:
    """A HogQL table read through /query/ (scope query:read), keyset on the table's key."""
    spec, common = split_fields(given)
    return Stream(name, "query:read", EndpointClass.QUERY, TableSpec(table, **spec), primary_key=key, **common)


PERSONS_LIST = Stream("persons", "person:read", EndpointClass.PERSONS, RestSpec("persons/", LIST), original=True)
STREAMS: tuple[AnyStream, ...] = (
    PROJECTS,
    # Org-scoped annotations are listed by every project of the organization: keep the first sighting.
    crud_list("annotations", "annotation:read", shared_across_projects=True, original=True),
    crud_list("cohorts", "cohort:read", original=True),
    crud_list("feature_flags", "feature_flag:read", passes=ARCHIVED_TOO, original=True),
    INSIGHTS,
    crud_list("actions", "action:read"),  # one unpaginated answer; deleted actions are never listed
    # One page: the list's only order, `-pinned, name` (DashboardsViewSet.queryset, posthog/api/dashboards/
    # dashboard.py @4f7b4308), has ties and accepts no ordering parameter, so offset pages could skip one.
    crud_list("dashboards", "dashboard:read", passes=(Pass(whole=True),), backref=DASHBOARD_INSIGHTS),
    crud_list("experiments", "experiment:read", passes=ARCHIVED_TOO, only_on=WITH_EE),
    crud_list("surveys", "survey:read"),
    # ordering=name: a unique, stable order (the default, last seen date, moves while we read).
    crud_list("event_definitions", "event_definition:read", {**LIST, "ordering": "name"}),
    # PostHog's built-in virtual properties repeat their ids in every kind and every project.
    crud_list(
        "property_definitions",
        "property_definition:read",
        passes=PROPERTY_KINDS,
        primary_key=("project_id", "type", "group_type_index", "id"),
    ),
    # The route is singular (products/early_access_features/backend/routes.py @7286c363); the stream keeps its name.
    crud_list("early_access_features", "early_access_feature:read", path="early_access_feature/"),
    Stream("events", "query:read", EndpointClass.QUERY, EventsSpec(EVENTS_TABLE), original=True),
    # Metadata only; oldest first, so recordings starting while we read land after the offset we are at.
    Stream(
        "session_recordings",
        "session_recording:read",
        EndpointClass.ANALYTICS,
        DatedSpec(
            "session_recordings/",
            {"limit": "500", "order": "start_time"},
            open_for=timedelta(hours=25),  # posthog-js ends a session after 24 h; an hour more for late snapshots
            # Older RecordingsQuery models forbid order_direction (400): dated/ then asks without it, once warned.
            optional_params={"order_direction": "ASC"},
            cursor_field="start_time",
        ),
    ),
    # Keys lead with project_id: a user id is often a distinct id, and a customer id a group key, in several projects.
    # 45,000 raw rows a page, as persons: a 10M-person project holds about 21.5M distinct ids, which at 10,000 a
    # page took about 2,400 queries, PostHog's whole hourly /query/ limit (http/pacing.py); at 45,000, about 550.
    query_table("person_distinct_ids", PDI_TABLE, ("project_id", "distinct_id"), page_rows=45_000),
    # updated_at is the row's ingestion time: an hour of lookback covers ingestion lag. 45,000 raw rows a page,
    # as persons (the memory budget shrinks pages of wide groups): 10M groups in about 280 queries, not 1,250.
    query_table(
        "groups",
        GROUPS_TABLE,
        ("project_id", "group_type_index", "group_key"),
        rename=GROUPS_RENAMED,
        cursor_field="updated_at",
        reread=timedelta(hours=1),
        page_rows=45_000,
    ),
    # A session lasts at most 24 h (posthog-js) and ends after 30 idle minutes; its start's window re-read for
    # 25 h gets the final version of all but sessions changed by events arriving later still (README).
    query_table(
        "sessions",
        SESSIONS_TABLE,
        ("session_id",),
        rename=SESSION_FIELDS,
        cursor_field="start_timestamp",
        reread=timedelta(hours=25),
        windows_by_events=True,
        from_start_date=True,
    ),
    query_table("cohort_members", COHORT_PEOPLE_TABLE, ("cohort_id", "person_id"), more_tables=(STATIC_MEMBERS,)),
    crud_list(
        "group_types",
        "group:read",
        {},
        "groups_types/",
        unpaginated=True,
        only_on=WITH_EE,
        primary_key=("project_id", "group_type_index"),  # every project numbers its group types from 0
    ),
    # Last, not to delay events: 45,000 a page plus its distinct ids, 46 queries per million; /persons/ as fallback.
    # /query/ needs only query:read (QueryViewSet.scope_object = "query", posthog/api/query.py @ac4ad4a0, no
    # per-table scope); person:read is the fallback's alone.
    Stream(
        "persons",
        "query:read",
        EndpointClass.QUERY,
        TableSpec(PERSONS_TABLE, shape=Shape.PERSONS, page_rows=45_000, fallback=PERSONS_LIST),
        original=True,
    ),
)
STREAMS_BY_NAME: dict[str, AnyStream] = {stream.name: stream for stream in STREAMS}


def streams_for(config: Config) -> tuple[AnyStream, ...]:
    """The table, then the config's custom query streams (their names checked against the table's)."""
    return STREAMS + custom_streams(config, STREAMS_BY_NAME)
