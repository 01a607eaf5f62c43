"""The request contract checker: requests PostHog accepts pass, each kind of refused request is named."""

from datetime import UTC, datetime
from typing import Any

import pytest

from integration_tests.contract_check import is_connector_request, match_route, violations
from integration_tests.contract_guard import ContractGuard, describe
from integration_tests.hogql_contract import hogql_violations
from source_posthog.streams.query.sql import Bounds, build_query, hogql_body
from source_posthog.streams.query.tables import (
    COHORT_PEOPLE_TABLE,
    EVENTS_TABLE,
    GROUPS_TABLE,
    PDI_TABLE,
    PERSONS_TABLE,
    STATIC_COHORT_PEOPLE_TABLE,
)

AGENT = {"user_agent": "source-posthog/9.9.9"}
DAY0, DAY1 = datetime(2024, 1, 1, tzinfo=UTC), datetime(2024, 1, 2, tzinfo=UTC)


def get(path: str, **query: str) -> dict[str, Any]:
    return {"method": "GET", "path": path, "query": query, "body": None, "headers": AGENT}


def hogql(sql: str, **body_fields: Any) -> dict[str, Any]:
    body = {**hogql_body(sql, {}, "contract test"), **body_fields}
    return {"method": "POST", "path": "/api/projects/7/query/", "query": {}, "body": body, "headers": AGENT}


class TestMatchRoute:
    @pytest.mark.parametrize(
        ("method", "path", "template"),
        [
            ("GET", "/api/projects/", "projects/"),
            ("GET", "/api/projects/12/", "projects/{id}/"),
            ("GET", "/api/projects/12/early_access_feature/", "projects/{id}/early_access_feature/"),
            ("GET", "/api/projects/12/early_access_feature", "projects/{id}/early_access_feature/"),
            ("POST", "/api/projects/12/query/", "projects/{id}/query/"),
            ("GET", "/api/projects/12/groups_types/", "projects/{id}/groups_types/"),
            ("GET", "/api/projects/12/early_access_features/", None),
            ("GET", "/api/projects/12/group_types/", None),
            ("POST", "/api/projects/12/insights/", None),
            ("GET", "/api/projects/abc/insights/", None),
            ("GET", "/_emulator/state", None),
        ],
    )
    def test_given_a_path_when_matched_then_its_posthog_route_or_none(
        self, method: str, path: str, template: str | None
    ) -> None:
        route = match_route(method, path)
        assert (route.template if route else None) == template


class TestViolations:
    @pytest.mark.parametrize(
        "entry",
        [
            get("/api/projects/", limit="1000"),
            get("/api/projects/3/insights/", limit="1000", basic="true", order="id"),
            get("/api/projects/3/feature_flags/", limit="1000", archived="true"),
            get("/api/projects/3/property_definitions/", limit="1000", type="session"),
            get("/api/projects/3/property_definitions/", type="group", group_type_index="4"),
            get("/api/projects/3/actions/", limit="1000"),  # not read, tolerated: one unpaginated answer
            get("/api/projects/3/groups_types/"),
            get("/api/projects/3/session_recordings/", date_from="x", order="start_time", order_direction="ASC"),
            get("/api/projects/3/events/", orderBy='["timestamp"]', after="a", before="b", limit="1000"),
            hogql("SELECT intDiv(toUnixTimestamp(timestamp), 3600) AS hour, count() FROM events GROUP BY hour"),
            hogql("SELECT person_id, groupArray(distinct_id) AS ids FROM person_distinct_ids GROUP BY person_id"),
            hogql("SELECT count(), min(timestamp), max(timestamp) FROM events WHERE created_at >= {since}"),
            hogql("SELECT session_id, $start_timestamp, $entry_utm_source FROM sessions ORDER BY session_id ASC"),
        ],
    )
    def test_given_a_request_posthog_accepts_when_checked_then_no_violation(self, entry: dict[str, Any]) -> None:
        assert violations(entry) == []

    @pytest.mark.parametrize(
        "table", [EVENTS_TABLE, PERSONS_TABLE, PDI_TABLE, GROUPS_TABLE, COHORT_PEOPLE_TABLE, STATIC_COHORT_PEOPLE_TABLE]
    )
    def test_given_the_connectors_keyset_page_when_checked_then_no_violation(self, table: Any) -> None:
        after = tuple(DAY0 if key.type.name == "DATETIME" else "k" for key in table.key)
        body = build_query(table, "page", 1000, [Bounds(table.key[0].name, DAY0, DAY1).condition()], after)
        assert violations({**hogql(""), "body": body}) == []

    @pytest.mark.parametrize(
        ("entry", "expected"),
        [
            (get("/api/projects/3/early_access_features/"), "no such PostHog route"),
            (get("/api/projects/3/property_definitions/", type="cohort"), "`type=cohort` is not one of"),
            (get("/api/projects/3/property_definitions/", type="group", group_type_index="5"), "group_type_index=5"),
            (get("/api/projects/3/session_recordings/", order_direction="UP"), "`order_direction=UP`"),
            (get("/api/projects/3/session_recordings/", sort="start_time"), "parameter `sort` is not read"),
            (get("/api/projects/3/dashboards/", ordering="id"), "parameter `ordering` is not read"),
            (hogql("SELECT session_id, person_id FROM sessions"), "`person_id` does not exist in `sessions`"),
            (hogql("SELECT id FROM sessions_v9"), "`sessions_v9` is not a PostHog table"),
            (hogql("SELECT toStartOfDay(timestamp) FROM events"), "function `toStartOfDay`"),
            (hogql("SELECT e.uuid FROM events e JOIN persons p ON 1"), "outside the modelled shape (JOIN)"),
            (hogql("SELECT id FROM (SELECT id FROM persons)"), "outside the modelled shape"),
            (hogql("SELECT id FROM persons", offset=10), "QueryRequest has no field `offset`"),
            (hogql("SELECT id FROM persons", refresh="sometimes"), "refresh `sometimes` is not a RefreshType"),
        ],
    )
    def test_given_a_refused_request_when_checked_then_the_violation_is_named(
        self, entry: dict[str, Any], expected: str
    ) -> None:
        assert any(expected in problem for problem in violations(entry)), violations(entry)

    @pytest.mark.parametrize(
        ("change", "expected"),
        [
            ({"limit": 5}, "HogQLQuery has no field `limit`"),
            ({"modifiers": {"convertToTimezone": False}}, "HogQLQueryModifiers has no field `convertToTimezone`"),
            ({"kind": "EventsQuery"}, "not a HogQLQuery"),
        ],
    )
    def test_given_a_query_node_posthog_refuses_when_checked_then_named(
        self, change: dict[str, Any], expected: str
    ) -> None:
        entry = hogql("SELECT id FROM persons")
        entry["body"]["query"].update(change)
        assert any(expected in problem for problem in violations(entry)), violations(entry)

    def test_given_a_query_body_too_big_to_log_when_checked_then_it_is_not_waved_through(self) -> None:
        assert violations({**hogql(""), "body": None}) == [
            "POST /api/projects/7/query/: body is not a JSON object (absent, not JSON, or dropped from the log for "
            "its size)"
        ]


class TestHogQLViolations:
    def test_given_an_alias_when_referred_to_later_then_it_is_not_a_column(self) -> None:
        assert hogql_violations("SELECT count() AS n FROM events ORDER BY n") == []

    def test_given_a_string_literal_naming_a_column_when_checked_then_it_is_only_text(self) -> None:
        assert hogql_violations("SELECT uuid FROM events WHERE event = 'person_id'") == []


class TestGuard:
    def test_given_requests_from_tests_and_connector_when_checked_then_only_the_connectors_count(self) -> None:
        guard = ContractGuard()
        guard.active = True
        bad = get("/api/projects/3/early_access_features/")
        guard.check({**bad, "headers": {"user_agent": "python-requests/2.32"}})
        guard.check(bad)
        guard.check(bad)
        found = guard.drain()
        assert found == {"GET /api/projects/3/early_access_features/: no such PostHog route": 2}
        assert "2x GET /api/projects/3/early_access_features/" in describe(found)
        assert guard.drain() == {}

    def test_given_an_inactive_guard_when_checked_then_nothing_is_collected(self) -> None:
        guard = ContractGuard()
        guard.check(get("/api/projects/3/nope/"))
        assert guard.drain() == {}

    def test_given_entries_when_asked_then_the_user_agent_tells_the_connector(self) -> None:
        assert is_connector_request(get("/api/projects/"))
        assert not is_connector_request({**get("/api/projects/"), "headers": {"user_agent": None}})
