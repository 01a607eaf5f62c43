"""The route table: path pattern, methods, required scope, throttle class, handler."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

from posthog_emulator import catalog_lists, definitions, entities, events_list, events_render, persons, query_api
from posthog_emulator.recordings import list_session_recordings
from posthog_emulator.runtime import Runtime
from posthog_emulator.settings import Quirks
from posthog_emulator.web import ApiError, Request, Response

Handler = Callable[[Runtime, Request, "int | None", str | None], Response]
PROJECT = r"^/api/(?:projects|environments)/(?P<pid>\d+)"


@dataclass(frozen=True)
class Route:
    """One API route and what guards it."""

    pattern: re.Pattern[str]
    methods: tuple[str, ...]
    scope: str
    throttle: str
    handler: Handler
    ee: bool = False  # registered only when EE is available (else the catch-all 404)


def _plain(fn: Callable[[Runtime, Request, int | None], Response]) -> Handler:
    return lambda rt, req, pid, _obj: fn(rt, req, pid)


def _detail(stream: str) -> Handler:
    return lambda rt, _req, pid, obj: entities.get_by_id(stream, rt, pid or 0, obj or "")


def _event_detail(rt: Runtime, req: Request, pid: int | None, obj: str | None) -> Response:
    """`GET /events/{id}/`; a malformed id gives the legacy 3-key 400 (no `attr`)."""
    text = (obj or "").replace("-", "")
    if len(text) != 32 or any(c not in "0123456789abcdefABCDEF" for c in text):
        return Response(400, {"detail": "Invalid UUID", "code": "invalid", "type": "validation_error"})
    store = rt.dataset.events[pid or 0]
    with store.lock:
        for i in range(len(store)):
            if store.uuid(i) == obj:
                return Response(200, events_render.legacy_row(rt, store, pid or 0, i, req.query))
    raise ApiError(404, "Not found.")


def _route(
    path: str, scope: str, throttle: str, handler: Handler, methods: tuple[str, ...] = ("GET",), *, ee: bool = False
) -> Route:
    return Route(re.compile(path + r"/?$"), methods, scope, throttle, handler, ee)


ROUTES = (
    _route(r"^/api/projects", "project:read", "crud", _plain(entities.list_projects)),
    _route(r"^/api/organizations/@current/projects", "project:read", "crud", _plain(entities.list_projects)),
    _route(PROJECT, "project:read", "crud", _plain(entities.get_project)),
    _route(PROJECT + "/annotations", "annotation:read", "crud", _plain(entities.list_annotations)),
    _route(PROJECT + r"/annotations/(?P<obj>\d+)", "annotation:read", "crud", _detail("annotations")),
    _route(PROJECT + "/cohorts", "cohort:read", "crud", _plain(entities.list_cohorts)),
    _route(PROJECT + r"/cohorts/(?P<obj>\d+)", "cohort:read", "crud", _detail("cohorts")),
    _route(PROJECT + "/feature_flags", "feature_flag:read", "crud", _plain(entities.list_feature_flags)),
    _route(PROJECT + r"/feature_flags/(?P<obj>\d+)", "feature_flag:read", "crud", _detail("feature_flags")),
    _route(PROJECT + "/insights", "insight:read", "clickhouse", _plain(entities.list_insights)),
    _route(PROJECT + r"/insights/(?P<obj>\d+)", "insight:read", "clickhouse", _detail("insights")),
    _route(PROJECT + "/actions", "action:read", "crud", _plain(catalog_lists.list_actions)),
    _route(PROJECT + "/dashboards", "dashboard:read", "crud", _plain(catalog_lists.list_dashboards)),
    _route(PROJECT + "/experiments", "experiment:read", "crud", _plain(catalog_lists.list_experiments), ee=True),
    _route(PROJECT + "/surveys", "survey:read", "crud", _plain(catalog_lists.list_surveys)),
    _route(
        PROJECT + "/early_access_feature",
        "early_access_feature:read",
        "crud",
        _plain(catalog_lists.list_early_access_features),
    ),
    _route(PROJECT + "/event_definitions", "event_definition:read", "crud", _plain(definitions.list_event_definitions)),
    _route(
        PROJECT + "/property_definitions",
        "property_definition:read",
        "crud",
        _plain(definitions.list_property_definitions),
    ),
    _route(PROJECT + "/session_recordings", "session_recording:read", "clickhouse", _plain(list_session_recordings)),
    _route(PROJECT + "/persons", "person:read", "persons", _plain(persons.list_persons)),
    _route(PROJECT + "/groups_types", "group:read", "crud", _plain(entities.list_group_types), ee=True),
    _route(PROJECT + "/events", "query:read", "clickhouse", _plain(events_list.list_events)),
    _route(PROJECT + r"/events/(?P<obj>[^/]+)", "query:read", "clickhouse", _event_detail),
    _route(PROJECT + "/query", "query:read", "query", _plain(query_api.run_query), ("POST",)),
    _route(
        PROJECT + r"/query/(?P<obj>[^/]+)",
        "query:read",
        "query",
        lambda rt, req, pid, obj: query_api.query_status(rt, req, pid, obj or ""),
        ("GET", "DELETE"),
    ),
)


def available(route: Route, quirks: Quirks) -> bool:
    """False for routes this instance lacks: Django's catch-all answers its 404 before auth.

    That is EE-only routes without EE, and `/query/` on an instance that predates it.
    """
    if route.ee and not quirks.ee_available:
        return False
    return quirks.query_api_available or route.throttle != "query"


def match(path: str) -> tuple[Route, int | None, str | None] | None:
    """The route for `path` with its project id and object id, or None (404)."""
    for route in ROUTES:
        found = route.pattern.match(path)
        if found:
            groups = found.groupdict()
            pid = int(groups["pid"]) if groups.get("pid") else None
            return route, pid, groups.get("obj")
    return None
