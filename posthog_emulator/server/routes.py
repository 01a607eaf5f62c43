"""The one route table: every API route, the PostHog file it comes from, and the instances that have it.

`kinds` names the kinds of instance that register the route: "cloud" (current, EE), "foss" (current
self-hosted without the `ee` package) and "old" (self-hosted with EE from before mid-2024). A route
that "foss" lacks is EE-only: it is served only while `Quirks.ee_available` is on. Any other path
answers PostHog's catch-all 404 (`api_not_found`, before authentication). `docs/posthog-sources.md`
("Emulator routes and profiles") prints this table; `route_rows()` feeds it.

Sources (S) are in repository PostHog/posthog; the commit is the one read; "§11" means the fact is from
/work/shared/posthog-api.md §11 (verified Dec 2026) and was not re-read for this table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from posthog_emulator.config.settings import Quirks
from posthog_emulator.lists import catalog, definitions, entities, events_list, persons
from posthog_emulator.lists.recordings import list_session_recordings
from posthog_emulator.query import api
from posthog_emulator.server.route_handlers import Handler, detail, event_detail, plain, query_status

PROJECT = r"^/api/(?:projects|environments)/(?P<pid>\d+)"
ALL = ("cloud", "foss", "old")
EE = ("cloud", "old")  # registered only under `if EE_AVAILABLE` (posthog/settings/ee.py @ a8b2677e)
API_INIT = "posthog/api/__init__.py (index id 54520884428, commit not returned)"
ROUTER = f"{API_INIT}: projects_router"
S = {
    "projects": "posthog/api/project.py ProjectViewSet; §11",
    "annotations": "posthog/api/annotation.py AnnotationsViewSet; §11",
    "cohorts": f"{ROUTER} r'cohorts' CohortViewSet",
    "feature_flags": "posthog/api/feature_flag.py FeatureFlagViewSet; §11",
    "insights": "products/product_analytics/backend/api/insight.py @ 29f878e8 (not re-read); §11",
    "actions": "posthog/api/action.py @ 99058528 ActionViewSet.list -> {'results'}",
    "dashboards": "posthog/api/dashboards/dashboard.py @ 4f7b4308 queryset order_by('-pinned', 'name')",
    "experiments": "products/experiments/backend/routes.py @ d96ff7b3 (returns early without EE_AVAILABLE)",
    "surveys": "products/surveys/backend/ SurveyViewSet; §11",
    "early_access_feature": "products/early_access_features/backend/routes.py @ 7286c363 r'early_access_feature'",
    "event_definitions": f"{ROUTER} r'event_definitions' EventDefinitionViewSet",
    "property_definitions": f"{ROUTER} r'property_definitions'; posthog/taxonomy/property_definition_api.py @ a8b2677e",
    "session_recordings": f"{API_INIT} dual route; posthog/session_recordings/session_recording_api.py @ a8b2677e",
    "persons": f"{API_INIT} dual route: EnterprisePersonViewSet with EE, PersonViewSet without",
    "groups_types": f"{ROUTER} r'groups_types' inside `if EE_AVAILABLE:`; ee/clickhouse/views/groups.py",
    "events": f"{API_INIT} dual route r'events' EventViewSet",
    "query": f"{API_INIT} dual route r'query' QueryViewSet (posthog/api/query.py)",
}


@dataclass(frozen=True)
class Route:
    """One API route, what guards it, where PostHog defines it and which instances have it."""

    pattern: re.Pattern[str]
    template: str  # the path as the docs print it
    methods: tuple[str, ...]
    scope: str
    throttle: str
    handler: Handler
    source: str
    kinds: tuple[str, ...] = ALL

    @property
    def ee_only(self) -> bool:
        """True when self-hosted FOSS lacks the route: it exists only while EE is available."""
        return "foss" not in self.kinds


def _route(
    template: str,
    scope: str,
    throttle: str,
    handler: Handler,
    source: str,
    *,
    obj: str = r"(?P<obj>\d+)",
    methods: tuple[str, ...] = ("GET",),
    kinds: tuple[str, ...] = ALL,
) -> Route:
    """`template` uses {pid} and {obj}; both /api/projects/ and /api/environments/ match a {pid} route."""
    path = template.replace("/api/projects/{pid}", PROJECT).replace("{obj}", obj)
    return Route(re.compile(path + r"/?$"), template, methods, scope, throttle, handler, source, kinds)


P = "/api/projects/{pid}"
ROUTES = (
    _route("/api/projects", "project:read", "crud", plain(entities.list_projects), S["projects"]),
    _route(
        "/api/organizations/@current/projects",
        "project:read",
        "crud",
        plain(entities.list_projects),
        f"{API_INIT}: organizations_router r'projects'",
    ),
    _route(P, "project:read", "crud", plain(entities.get_project), S["projects"]),
    _route(f"{P}/annotations", "annotation:read", "crud", plain(entities.list_annotations), S["annotations"]),
    _route(f"{P}/annotations/{{obj}}", "annotation:read", "crud", detail("annotations"), S["annotations"]),
    _route(f"{P}/cohorts", "cohort:read", "crud", plain(entities.list_cohorts), S["cohorts"]),
    _route(f"{P}/cohorts/{{obj}}", "cohort:read", "crud", detail("cohorts"), S["cohorts"]),
    _route(f"{P}/feature_flags", "feature_flag:read", "crud", plain(entities.list_feature_flags), S["feature_flags"]),
    _route(f"{P}/feature_flags/{{obj}}", "feature_flag:read", "crud", detail("feature_flags"), S["feature_flags"]),
    _route(f"{P}/insights", "insight:read", "clickhouse", plain(entities.list_insights), S["insights"]),
    _route(f"{P}/insights/{{obj}}", "insight:read", "clickhouse", detail("insights"), S["insights"]),
    _route(f"{P}/actions", "action:read", "crud", plain(catalog.list_actions), S["actions"]),
    _route(f"{P}/dashboards", "dashboard:read", "crud", plain(catalog.list_dashboards), S["dashboards"]),
    _route(
        f"{P}/experiments",
        "experiment:read",
        "crud",
        plain(catalog.list_experiments),
        S["experiments"],
        kinds=EE,
    ),
    _route(f"{P}/surveys", "survey:read", "crud", plain(catalog.list_surveys), S["surveys"]),
    _route(
        f"{P}/early_access_feature",
        "early_access_feature:read",
        "crud",
        plain(catalog.list_early_access_features),
        S["early_access_feature"],
    ),
    _route(
        f"{P}/event_definitions",
        "event_definition:read",
        "crud",
        plain(definitions.list_event_definitions),
        S["event_definitions"],
    ),
    _route(
        f"{P}/property_definitions",
        "property_definition:read",
        "crud",
        plain(definitions.list_property_definitions),
        S["property_definitions"],
    ),
    _route(
        f"{P}/session_recordings",
        "session_recording:read",
        "clickhouse",
        plain(list_session_recordings),
        S["session_recordings"],
    ),
    _route(f"{P}/persons", "person:read", "persons", plain(persons.list_persons), S["persons"]),
    _route(f"{P}/groups_types", "group:read", "crud", plain(entities.list_group_types), S["groups_types"], kinds=EE),
    _route(f"{P}/events", "query:read", "clickhouse", plain(events_list.list_events), S["events"]),
    _route(f"{P}/events/{{obj}}", "query:read", "clickhouse", event_detail, S["events"], obj=r"(?P<obj>[^/]+)"),
    _route(f"{P}/query", "query:read", "query", plain(api.run_query), S["query"], methods=("POST",)),
    _route(
        f"{P}/query/{{obj}}",
        "query:read",
        "query",
        query_status,
        S["query"],
        obj=r"(?P<obj>[^/]+)",
        methods=("GET", "DELETE"),
    ),
)


def available(route: Route, quirks: Quirks) -> bool:
    """False for routes this instance lacks: Django's catch-all answers its 404 before auth.

    That is EE-only routes without EE, and `/query/` on an instance that predates it.
    """
    if route.ee_only and not quirks.ee_available:
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


def route_rows() -> list[tuple[str, str, str, str]]:
    """(methods, path template, kinds, source) of every route: the docs' table."""
    return [("|".join(r.methods), r.template, ", ".join(r.kinds), r.source) for r in ROUTES]
