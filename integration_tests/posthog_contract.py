"""What PostHog accepts, as facts read in PostHog's own code: the table every connector request is held to.

Each fact names the file of repository PostHog/posthog and the commit read (`file @ commit`). Facts marked
`UNPINNED` come from docs/posthog-sources.md or /work/shared/posthog-api.md §6 (an earlier reading whose
commit was not recorded); they are the best knowledge available, not re-verified. The request checker is
contract_check.py; docs/posthog-sources.md explains each fact in prose.
"""

from dataclasses import dataclass, field

ROUTER = "posthog/api/__init__.py @ 129fc2dbdc2f34cb04a771876b34295f3519d62d"
SCHEMA = "frontend/src/queries/schema.json @ eef86a81bda244537c64217de6ebf407fa5f53dc"
UNPINNED = "UNPINNED: /work/shared/posthog-api.md §6"
PAGED = frozenset({"limit", "offset"})  # DRF LimitOffsetPagination, PostHog's default (UNPINNED: settings/web.py)


@dataclass(frozen=True)
class Route:
    """One PostHog endpoint the connector may call, and the query parameters its view reads."""

    method: str
    template: str
    """Path under /api/, `{id}` for the project id; the router's trailing slash is optional."""
    params: frozenset[str]
    source: str
    values: dict[str, frozenset[str]] = field(default_factory=dict)
    """Allowed values of a parameter where PostHog checks them (400 otherwise)."""
    ignored: frozenset[str] = frozenset()
    """Parameters PostHog does not read here but tolerates (a generic `limit` on an unpaginated list)."""
    ee_only: bool = False
    """Registered only when `EE_AVAILABLE` (self-hosted FOSS answers the catch-all 404)."""


# RecordingsQuery properties (additionalProperties false: an unknown one is a 400), SCHEMA.
RECORDINGS_QUERY = frozenset(
    {"actions", "comment_text", "console_log_filters", "date_from", "date_to", "distinct_ids", "events"}
    | {"filter_test_accounts", "having_predicates", "kind", "limit", "modifiers", "offset", "operand", "order"}
    | {"order_direction", "person_uuid", "properties", "session_ids", "tags", "user_modified_filters", "version"}
)
RECORDING_ORDER = frozenset(  # RecordingOrder enum, SCHEMA
    {"duration", "recording_duration", "inactive_seconds", "active_seconds", "start_time", "console_error_count"}
    | {"click_count", "keypress_count", "mouse_activity_count", "activity_score", "recording_ttl"}
)
PROPERTY_TYPES = frozenset({"event", "person", "group", "session"})
# PropertyDefinitionQuerySerializer.type choices, posthog/taxonomy/property_definition_api.py @ a8b2677e87b7
# (content found by search; the file's newest stored version is that commit).


def project_list(
    name: str,
    source: str,
    params: frozenset[str] = PAGED,
    *,
    values: dict[str, frozenset[str]] | None = None,
    ignored: frozenset[str] = frozenset(),
    ee_only: bool = False,
) -> Route:
    """A GET list nested under a project, paged with limit/offset unless told otherwise."""
    return Route("GET", f"projects/{{id}}/{name}/", params, source, values or {}, ignored, ee_only)


ROUTES: tuple[Route, ...] = (
    Route("GET", "projects/", PAGED, ROUTER + " (RootProjectViewSet)"),
    # The router's detail route: RootProjectViewSet(ProjectViewSet) retrieves with get_object()
    # (posthog/api/project.py, found by content search; version not pinned).
    Route("GET", "projects/{id}/", frozenset(), ROUTER + " (RootProjectViewSet detail)"),
    project_list("annotations", ROUTER, PAGED | {"scope", "date_from", "date_to", "is_emoji", "search"}),
    project_list("cohorts", ROUTER, PAGED | {"basic", "search", "hide_behavioral_cohorts", "type", "created_by_id"}),
    project_list(
        "feature_flags",
        ROUTER + "; filters " + UNPINNED,
        PAGED
        | {"active", "archived", "search", "type", "tags", "excluded_tags", "created_by_id", "order"}
        | {"evaluation_runtime", "has_evaluation_contexts"},
    ),
    project_list(
        "insights",
        ROUTER + "; `order` read by order_queryset, `basic` " + UNPINNED,
        PAGED
        | {"basic", "order", "refresh", "saved", "favorited", "user", "search", "dashboards", "tags"}
        | {"created_by", "date_from", "date_to", "insight", "short_id"},
    ),
    # ActionViewSet.list is overridden: one {"results": [...]} answer, limit/offset not read (UNPINNED).
    project_list("actions", ROUTER, frozenset(), ignored=PAGED),
    project_list("dashboards", ROUTER, PAGED | {"search"}),
    project_list("experiments", ROUTER + " (EE block)", PAGED | {"archived", "order"}, ee_only=True),
    project_list("surveys", ROUTER, PAGED | {"search"}),
    project_list("event_definitions", ROUTER, PAGED | {"ordering", "event_type", "search"}),
    project_list(
        "property_definitions",
        ROUTER,
        PAGED | {"type", "group_type_index", "search", "properties", "event_names", "excluded_properties"},
        values={"type": PROPERTY_TYPES, "group_type_index": frozenset({"0", "1", "2", "3", "4"})},
    ),
    project_list("early_access_feature", ROUTER + " (singular prefix)"),
    project_list(
        "session_recordings",
        ROUTER + "; params are RecordingsQuery, " + SCHEMA,
        RECORDINGS_QUERY,
        values={"order": RECORDING_ORDER, "order_direction": frozenset({"ASC", "DESC"})},
    ),
    project_list("persons", ROUTER + "; filters " + UNPINNED, PAGED | {"email", "distinct_id", "search", "properties"}),
    project_list(
        "events",
        ROUTER + "; params " + UNPINNED,
        PAGED
        | {"before", "after", "orderBy", "event", "distinct_id", "person_id", "action_id", "properties"}
        | {"select", "where", "include_person"},
    ),
    # GroupsTypesViewSet (ee/clickhouse/views/groups.py): pagination_class None, a plain list (UNPINNED).
    project_list("groups_types", ROUTER + " (EE block)", frozenset(), ignored=PAGED, ee_only=True),
    Route("POST", "projects/{id}/query/", frozenset(), ROUTER + " (QueryViewSet; body: QueryRequest)"),
)

# The /query/ body (all additionalProperties false), SCHEMA.
QUERY_REQUEST = frozenset(
    {"async", "client_query_id", "filters_override", "name", "query", "refresh", "variables_override"}
)
REFRESH_TYPES = frozenset(
    {"async", "async_except_on_cache_miss", "blocking", "force_async", "force_blocking", "force_cache", "lazy_async"}
)
HOGQL_QUERY = frozenset(
    {"explain", "filters", "kind", "modifiers", "name", "query", "response", "tags", "values", "variables", "version"}
)
HOGQL_MODIFIERS = frozenset(
    {"bounceRateDurationSeconds", "bounceRatePageViewMode", "convertToProjectTimezone", "customChannelTypeRules"}
    | {"dataWarehouseEventsModifiers", "debug", "formatCsvAllowDoubleQuotes", "inCohortVia", "materializationMode"}
    | {"optimizeJoinedFilters", "optimizeProjections", "personsArgMaxVersion", "personsJoinMode"}
    | {"personsOnEventsMode", "propertyGroupsMode", "s3TableUseInvalidColumns", "sessionTableVersion"}
    | {"sessionsV2JoinMode", "timings", "useMaterializedViews", "usePreaggregatedTableTransforms"}
    | {"usePresortedEventsTable", "useWebAnalyticsPreAggregatedTables"}
)
