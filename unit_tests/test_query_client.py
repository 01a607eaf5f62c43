"""QueryClient: an instance that refuses `modifiers` is asked again without them, for the rest of the run."""

from typing import Any

import pytest
import requests_mock as rm

from source_posthog.errors import ApiError
from source_posthog.streams.events.read import read_events
from source_posthog.streams.query.sql import hogql_body, run_query
from source_posthog.streams.table import STREAMS_BY_NAME
from unit_tests.events_fake_api import FakeEventsApi, at, uid
from unit_tests.fakes import API, Harness, make_config

OLD_INSTANCE_400 = {
    "type": "invalid_request",
    "code": "parse_error",
    "detail": "JSON parse error - 1 validation error for QueryRequest\nquery.HogQLQuery.modifiers\n"
    "  Extra inputs are not permitted [type=extra_forbidden, input_value={...}, input_type=dict]",
}


def old_instance(requests_mock: rm.Mocker, api: FakeEventsApi) -> None:
    """Refuse any body whose query node has `modifiers`, else answer like `api`."""

    def answer(request: Any, context: Any) -> dict[str, Any]:
        if "modifiers" in request.json()["query"]:
            context.status_code = 400
            return OLD_INSTANCE_400
        return api.query(request, context)

    requests_mock.post(f"{API}/projects/1/query/", json=answer)


class TestQueryClient:
    def test_given_modifiers_refused_when_queried_twice_then_resent_without_them_and_warned_once(
        self, requests_mock: rm.Mocker
    ) -> None:
        old_instance(requests_mock, FakeEventsApi([(at("2024-03-01 00:00:00"), uid(1))]))
        harness = Harness()
        sync = harness.sync([{"id": 1}])
        span = {"start": "2024-01-01 00:00:00.000000", "end": "2025-01-01 00:00:00.000000"}
        body = hogql_body("SELECT count() FROM events", span, "t")
        run_query(sync.queries, 1, body)
        run_query(sync.queries, 1, body)
        sent = [r.json()["query"] for r in requests_mock.request_history]
        assert ["modifiers" in node for node in sent] == [True, False, False]  # remembered after the first 400
        assert sum("predates the query modifiers" in m for m in harness.logs()) == 1
        assert sync.queries.modifiers is False

    def test_given_other_400_when_queried_then_raised_unchanged(self, requests_mock: rm.Mocker) -> None:
        requests_mock.post(f"{API}/projects/1/query/", status_code=400, json={"detail": "Unable to resolve field: x"})
        sync = Harness().sync([{"id": 1}])
        with pytest.raises(ApiError):
            run_query(sync.queries, 1, hogql_body("SELECT x FROM events", {}, "t"))
        assert sync.queries.modifiers is True

    def test_given_new_york_project_without_modifiers_when_events_read_then_utc_instants(
        self, requests_mock: rm.Mocker
    ) -> None:
        rows = [(at("2024-03-10 06:59:59.500000"), uid(1)), (at("2024-03-10 07:00:00"), uid(2))]  # around DST
        old_instance(requests_mock, FakeEventsApi(rows, tz="America/New_York"))
        harness = Harness(make_config(start_date="2024-01-01T00:00:00Z"))
        read_events(STREAMS_BY_NAME["events"], harness.sync([{"id": 1}]), "incremental", None)
        stamps = [r["timestamp"] for r in harness.records("events")]
        assert stamps == ["2024-03-10T06:59:59.500000+00:00", "2024-03-10T07:00:00.000000+00:00"]
