"""run_check: the key, a reachable project, and every stream's scope, each failure naming its fix."""

import time
from typing import TypedDict

import pytest
import requests
import requests_mock as rm

from source_posthog.airbyte.check import run_check
from source_posthog.errors import ApiError, ConfigError
from source_posthog.streams.stream import AnyStream, DatedSpec, EventsSpec, RestSpec, TableSpec
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME, WITH_EE
from unit_tests.fakes import API, Harness, make_config, page

PROJECT = f"{API}/projects/1"


def probe_path(stream: AnyStream) -> str:
    """Where check probes a stream: its list, or the query API (a HogQL stream's fallback only without it)."""
    return "query/" if isinstance(stream.read, TableSpec | EventsSpec) else stream.read.path


class MockedResponse(TypedDict):
    """The requests-mock keyword arguments of one canned response."""

    status_code: int
    json: dict[str, str]


def missing(scope: str) -> MockedResponse:
    return {
        "status_code": 403,
        "json": {"type": "authentication_error", "detail": f"API key missing required scope '{scope}'"},
    }


def serve_everything(requests_mock: rm.Mocker) -> None:
    requests_mock.get(f"{API}/projects/", json=page([{"id": 1}, {"id": 2}]))
    for stream in STREAMS:
        if stream.per_project and isinstance(stream.read, RestSpec | DatedSpec):
            requests_mock.get(f"{PROJECT}/{stream.read.path}", json=page([]))
        if isinstance(stream.read, TableSpec) and stream.read.fallback is not None:
            requests_mock.get(f"{PROJECT}/{stream.read.fallback.read.path}", json=page([]))
    requests_mock.post(f"{PROJECT}/query/", json={"results": [], "columns": []})


class TestRunCheck:
    def test_given_all_scopes_when_check_then_success_counts_projects_and_probes_each_stream(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        serve_everything(requests_mock)

        message = run_check(harness.client, harness.config, harness.output)

        assert "2 project(s)" in message
        probed = {r.path for r in requests_mock.request_history}
        expected = {f"/api/projects/1/{probe_path(s)}" for s in STREAMS if s.per_project}
        assert expected <= probed
        assert all(
            r.qs["limit"] == ["1"]
            for r in requests_mock.request_history
            if r.method == "GET" and r.path.startswith("/api/projects/1/")
        )

    @pytest.mark.parametrize(("stream", "scope"), [(s.name, s.scope) for s in STREAMS if s.per_project and s.original])
    def test_given_missing_scope_of_original_stream_when_check_then_config_error_names_scope_and_stream(
        self, requests_mock: rm.Mocker, stream: str, scope: str
    ) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        path = probe_path(STREAMS_BY_NAME[stream])
        getattr(requests_mock, "post" if path == "query/" else "get")(f"{PROJECT}/{path}", **missing(scope))

        with pytest.raises(ConfigError) as caught:
            run_check(harness.client, harness.config, harness.output)

        assert f"missing scope {scope} blocks stream {stream}" in caught.value.message

    # Newer HogQL streams need query:read, which events (an original stream) needs too: never listed alone.
    @pytest.mark.parametrize(
        "stream", [s for s in STREAMS if not s.original and not isinstance(s.read, TableSpec)], ids=lambda s: s.name
    )
    def test_given_missing_scope_of_newer_stream_when_check_then_success_lists_scope_and_stream(
        self, requests_mock: rm.Mocker, stream: AnyStream
    ) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        requests_mock.get(f"{PROJECT}/{stream.read.path}", **missing(stream.scope))

        message = run_check(harness.client, harness.config, harness.output)

        assert "2 project(s)" in message
        assert f"streams {stream.name} would need scope {stream.scope}" in message

    def test_given_several_newer_streams_without_scope_when_check_then_each_listed(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        for name in ("actions", "surveys"):
            stream = STREAMS_BY_NAME[name]
            requests_mock.get(f"{PROJECT}/{stream.read.path}", **missing(stream.scope))

        message = run_check(harness.client, harness.config, harness.output)

        assert "streams actions would need scope action:read; streams surveys would need scope survey:read" in message

    def test_given_event_filters_when_check_then_message_says_which_events_are_synced(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness(make_config(events_include=["signed_up", "$pageview"], events_exclude=["$autocapture"]))
        serve_everything(requests_mock)

        message = run_check(harness.client, harness.config, harness.output)

        assert message.endswith("Events synced: only $pageview, signed_up except $autocapture.")
        assert "every stream readable." in message

    def test_given_two_missing_scopes_when_check_then_both_named(self, requests_mock: rm.Mocker) -> None:
        # Was persons' person:read: persons read through /query/ need only query:read (posthog/api/query.py).
        harness = Harness()
        serve_everything(requests_mock)
        requests_mock.get(f"{PROJECT}/feature_flags/", **missing("feature_flag:read"))
        requests_mock.get(f"{PROJECT}/cohorts/", **missing("cohort:read"))

        with pytest.raises(ConfigError) as caught:
            run_check(harness.client, harness.config, harness.output)

        assert "feature_flag:read" in caught.value.message
        assert "cohort:read" in caught.value.message

    def test_given_query_api_and_no_person_read_when_check_then_success(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        requests_mock.get(f"{PROJECT}/persons/", **missing("person:read"))

        assert "every stream readable." in run_check(harness.client, harness.config, harness.output)
        assert not any(r.path == "/api/projects/1/persons/" for r in requests_mock.request_history)

    def test_given_no_query_api_and_no_person_read_when_check_then_person_read_named(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        requests_mock.post(f"{PROJECT}/query/", status_code=404, json={"detail": "Endpoint not found."})
        requests_mock.get(f"{PROJECT}/events/", json=page([]))  # events fall back to the legacy list
        requests_mock.get(f"{PROJECT}/persons/", **missing("person:read"))

        with pytest.raises(ConfigError, match="person:read"):
            run_check(harness.client, harness.config, harness.output)

    def test_given_no_project_read_scope_when_check_then_names_projects_stream(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", **missing("project:read"))

        with pytest.raises(ConfigError, match="missing scope project:read blocks stream projects"):
            run_check(harness.client, harness.config, harness.output)

    def test_given_project_scoped_key_with_project_ids_when_check_then_success(self, requests_mock: rm.Mocker) -> None:
        harness = Harness(make_config(project_ids=[1]))
        serve_everything(requests_mock)
        requests_mock.get(f"{API}/projects/", status_code=403, json={"detail": "scoped keys..."})
        requests_mock.get(f"{PROJECT}/", json={"id": 1})

        assert "1 project(s)" in run_check(harness.client, harness.config, harness.output)

    def test_given_invalid_key_when_check_then_config_error_from_401(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", status_code=401, json={"detail": "invalid key"})

        with pytest.raises(ApiError) as caught:
            run_check(harness.client, harness.config, harness.output)

        assert caught.value.failure_type == "config_error"
        assert "rejected the API key" in caught.value.message

    def test_given_unreachable_host_when_check_then_config_error_names_base_url(
        self, requests_mock: rm.Mocker, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setattr(time, "sleep", lambda _seconds: None)
        harness = Harness()
        requests_mock.get(f"{API}/projects/", exc=requests.ConnectionError("refused"))

        with pytest.raises(ConfigError, match=r"us\.posthog\.com"):
            run_check(harness.client, harness.config, harness.output)


class TestLegacyInstance:
    @pytest.mark.parametrize("status", [404, 405])
    def test_given_no_query_endpoint_but_events_list_when_check_then_success_says_legacy_list_is_used(
        self, requests_mock: rm.Mocker, status: int
    ) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        requests_mock.post(f"{PROJECT}/query/", status_code=status, json={"detail": "Endpoint not found."})
        requests_mock.get(f"{PROJECT}/events/", json={"next": None, "results": []})

        message = run_check(harness.client, harness.config, harness.output)

        assert "2 project(s)" in message
        assert "legacy /events/ list" in message


ENDPOINT_NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Endpoint not found.", "attr": None}


class TestInstanceWithoutNewerStreams:
    """A self-hosted PostHog without EE has no experiments/ or groups_types/ (posthog/api/__init__.py @129fc2db)."""

    def test_given_no_ee_when_check_then_success_names_experiments_and_group_types(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        ee_only = [stream.name for stream in STREAMS if stream.only_on == WITH_EE]
        assert ee_only
        for name in ee_only:
            requests_mock.get(f"{PROJECT}/{STREAMS_BY_NAME[name].read.path}", status_code=404, json=ENDPOINT_NOT_FOUND)

        message = run_check(harness.client, harness.config, harness.output)

        assert (
            "every stream readable except newer ones: not on this instance, so a read skips them: "
            "experiments exist only on PostHog with EE (this instance answers HTTP 404 Endpoint not found.); "
            "group_types exist only on PostHog with EE (this instance answers HTTP 404 Endpoint not found.)."
        ) in message

    def test_given_newer_stream_without_only_on_missing_when_check_then_named_as_too_old(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        requests_mock.get(f"{PROJECT}/surveys/", status_code=404, json=ENDPOINT_NOT_FOUND)

        message = run_check(harness.client, harness.config, harness.output)

        assert "this PostHog instance has no surveys/ endpoint" in message

    def test_given_original_stream_endpoint_missing_when_check_then_fails(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        requests_mock.get(f"{PROJECT}/cohorts/", status_code=404, json=ENDPOINT_NOT_FOUND)

        with pytest.raises(ApiError, match="has no /api/projects/1/cohorts/"):
            run_check(harness.client, harness.config, harness.output)

    def test_given_project_not_found_on_newer_stream_when_check_then_not_taken_for_a_missing_endpoint(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        requests_mock.get(
            f"{PROJECT}/experiments/", status_code=404, json={**ENDPOINT_NOT_FOUND, "detail": "Not found."}
        )

        with pytest.raises(ApiError, match="Project 1 was not found"):
            run_check(harness.client, harness.config, harness.output)

    def test_given_newer_stream_answering_400_when_check_then_success_names_it(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        serve_everything(requests_mock)
        requests_mock.get(f"{PROJECT}/surveys/", status_code=400, json={"detail": "Bad param"})

        message = run_check(harness.client, harness.config, harness.output)

        assert "answered an error, so a read may fail them: surveys (PostHog answered 400" in message
