"""ApiClient: one classification per response, retries that respect Retry-After, no key leaks."""

import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any

import pytest
import requests
import requests_mock as rm

from source_posthog import __version__
from source_posthog.errors import ApiError, ConfigError, QueryLimitError, TransientError
from source_posthog.http.client import Timeouts
from source_posthog.http.pacing import EndpointClass
from source_posthog.http.retry import RetryPolicy
from unit_tests.fakes import API, API_KEY, Harness


@pytest.fixture
def backoff_sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """backoff sleeps with time.sleep: record the waits instead of taking them."""
    sleeps: list[float] = []
    monkeypatch.setattr(time, "sleep", sleeps.append)
    return sleeps


class TestGetJson:
    def test_given_ok_response_when_get_json_then_body_parsed_with_bearer_auth_and_timeout(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", json={"results": []})

        body = harness.client.get_json("projects/", params={"limit": "1"})

        assert body == {"results": []}
        (request,) = requests_mock.request_history
        assert request.headers["Authorization"] == f"Bearer {API_KEY}"
        assert request.headers["User-Agent"] == f"source-posthog/{__version__}"
        # requests-mock's stub types `timeout` as int; it is whatever requests was given, here a tuple.
        assert request.timeout == (Timeouts().connect, Timeouts().first_answer)  # type: ignore[comparison-overlap]
        assert request.qs == {"limit": ["1"]}

    @pytest.mark.parametrize(
        "failure",
        [
            {"status_code": 500, "json": {"detail": "A server error occurred."}},
            {"status_code": 502, "text": "<html>Bad gateway</html>"},
            {"status_code": 503, "json": {"detail": "busy"}},
            {"status_code": 504, "json": {"detail": "timeout"}},
            {"status_code": 429, "json": {"detail": "throttled"}},
            {"status_code": 200, "text": '{"results": [{"id": 1'},  # truncated body
            {"status_code": 200, "text": "<html>maintenance</html>"},
            {"exc": requests.ConnectionError("reset by peer")},
            {"exc": requests.exceptions.ReadTimeout("slow")},
            {"exc": requests.exceptions.ChunkedEncodingError("short read")},
        ],
    )
    def test_given_retryable_failure_when_get_json_then_retried_until_success(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float], failure: dict[str, object]
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", [failure, {"json": {"ok": True}}])

        assert harness.client.get_json("projects/") == {"ok": True}
        assert requests_mock.call_count == 2
        assert len(backoff_sleeps) == 1
        assert harness.client.stats.retries == 1

    @pytest.mark.parametrize(
        ("status", "path", "detail", "failure_type", "expected"),
        [
            (
                401,
                "projects/",
                "Personal API key found in request Authorization header is invalid.",
                "config_error",
                "rejected the API key",
            ),
            (
                403,
                "projects/1/persons/",
                "API key missing required scope 'person:read'",
                "config_error",
                "lacks the scope person:read",
            ),
            (
                403,
                "projects/7/cohorts/",
                "API key does not have access to the requested project: ID 7.",
                "config_error",
                "ID 7",
            ),
            (404, "projects/99/annotations/", "Not found.", "config_error", "Project 99 was not found"),
            (404, "projects/1/nothing/", "Endpoint not found.", "config_error", "has no /api/projects/1/nothing/"),
            (400, "projects/1/insights/", "Invalid order", "system_error", "400"),
            (405, "projects/1/insights/", "Method not allowed", "system_error", "405"),
            (402, "projects/1/query/", "Query quota exceeded.", "config_error", "query quota is used up"),
        ],
    )
    def test_given_fatal_status_when_get_json_then_one_request_and_clear_error(  # noqa: PLR0917 - one table row
        self, requests_mock: rm.Mocker, status: int, path: str, detail: str, failure_type: str, expected: str
    ) -> None:
        harness = Harness()
        body = {"type": "x", "code": "x", "detail": detail, "attr": None}
        requests_mock.get(f"{API}/{path}", status_code=status, json=body)

        with pytest.raises(ApiError) as caught:
            harness.client.get_json(path)

        assert requests_mock.call_count == 1
        assert caught.value.status == status
        assert caught.value.failure_type == failure_type
        assert expected in caught.value.message
        assert API_KEY not in caught.value.message

    def test_given_persistent_503_when_get_json_then_transient_error_after_max_tries(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness(policy=RetryPolicy(max_tries=4))
        requests_mock.get(f"{API}/projects/", status_code=503, json={"detail": "busy"})

        with pytest.raises(TransientError) as caught:
            harness.client.get_json("projects/")

        assert requests_mock.call_count == 4
        assert len(backoff_sleeps) == 3
        assert "after 4 attempts" in caught.value.message
        assert len(harness.logs()) == 3  # each retry logged once
        assert all(API_KEY not in line for line in harness.logs())


class TestRetryAfter:
    def test_given_429_with_retry_after_seconds_when_get_json_then_waits_exactly_that_and_logs_once(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness()
        requests_mock.get(
            f"{API}/projects/1/persons/",
            [{"status_code": 429, "headers": {"Retry-After": "37"}, "json": {"detail": "throttled"}}, {"json": {}}],
        )

        harness.client.get_json("projects/1/persons/", endpoint_class=EndpointClass.PERSONS)

        assert backoff_sleeps == [37.0]
        (log,) = harness.logs()
        assert "HTTP 429" in log
        assert "37.0 s (Retry-After)" in log
        assert "/api/projects/1/persons/" in log
        assert harness.client.stats.throttled == 1

    def test_given_429_with_http_date_when_get_json_then_never_retries_before_that_date(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness()
        later = format_datetime(datetime.now(UTC) + timedelta(seconds=30), usegmt=True)
        requests_mock.get(f"{API}/projects/", [{"status_code": 429, "headers": {"Retry-After": later}}, {"json": {}}])

        harness.client.get_json("projects/")

        (wait,) = backoff_sleeps
        assert 28.0 <= wait <= 30.0  # the date has whole seconds; the wait ends at it, not before

    def test_given_429_without_retry_after_when_get_json_then_exponential_step_with_jitter(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/1/query/", [{"status_code": 429}, {"status_code": 429}, {"json": {}}])

        harness.client.get_json("projects/1/query/", endpoint_class=EndpointClass.QUERY)

        first, second = backoff_sleeps
        assert 0.5 <= first <= 1.0
        assert 1.0 <= second <= 2.0
        retries = [line for line in harness.logs() if line.startswith("Retrying")]
        assert len(retries) == 2
        assert all("(backoff)" in line for line in retries)
        assert "at most 1 in flight" in " ".join(harness.logs())  # PostHog's concurrency refusal: 3 -> 2 -> 1

    def test_given_429_when_retried_then_pacer_holds_the_endpoint_class_for_the_wait(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", [{"status_code": 429, "headers": {"Retry-After": "20"}}, {"json": {}}])

        harness.client.get_json("projects/")
        harness.pacer.acquire(EndpointClass.CRUD)  # another request of the class: the fake clock has not moved
        harness.pacer.acquire(EndpointClass.PERSONS)  # other classes are not held

        assert harness.clock.sleeps == [20.0]

    def test_given_total_wait_budget_when_next_retry_after_would_overrun_it_then_gives_up_instead_of_cutting_it(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness(policy=RetryPolicy(max_tries=10, max_total_wait=100))
        throttled = {"status_code": 429, "headers": {"Retry-After": "60"}}
        requests_mock.get(f"{API}/projects/", [throttled, throttled, {"json": {}}])

        with pytest.raises(TransientError):
            harness.client.get_json("projects/")

        assert backoff_sleeps == [60.0]  # never a 40 s wait that would retry before PostHog allows it
        assert requests_mock.call_count == 2

    def test_given_retry_after_beyond_an_hour_when_get_json_then_gives_up_naming_rate_limit_share(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", status_code=429, headers={"Retry-After": "7200"})

        with pytest.raises(TransientError) as caught:
            harness.client.get_json("projects/")

        assert backoff_sleeps == []
        assert "7200 s" in caught.value.message
        assert "rate_limit_share" in caught.value.message


class TestHosts:
    def test_given_redirect_to_another_host_when_get_json_then_config_error_names_host_and_key_not_sent(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(
            f"{API}/projects/", status_code=302, headers={"Location": "https://evil.example/api/projects/"}
        )
        elsewhere = requests_mock.get("https://evil.example/api/projects/", json={})

        with pytest.raises(ConfigError) as caught:
            harness.client.get_json("projects/")

        assert "evil.example" in caught.value.message
        assert not elsewhere.called

    def test_given_redirect_on_same_host_when_get_json_then_followed_with_auth(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects", status_code=301, headers={"Location": "/api/projects/"})
        target = requests_mock.get(f"{API}/projects/", json={"ok": 1})

        assert harness.client.get_json(f"{API}/projects") == {"ok": 1}
        assert target.request_history[-1].headers["Authorization"] == f"Bearer {API_KEY}"

    def test_given_http_link_to_own_host_when_checked_then_upgraded_to_configured_https(self) -> None:
        harness = Harness()

        assert harness.client.check_host("http://us.posthog.com/api/x/?a=1") == "https://us.posthog.com/api/x/?a=1"


class TestUnreachedHost:
    def test_given_host_never_answered_when_connections_fail_then_gives_up_after_three_attempts(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness(policy=RetryPolicy(max_tries=10))
        requests_mock.get(f"{API}/projects/", exc=requests.ConnectionError("refused"))

        with pytest.raises(TransientError, match=r"us\.posthog\.com.*after 3 attempts"):
            harness.client.get_json("projects/")

        assert requests_mock.call_count == 3

    def test_given_host_answered_before_when_connections_fail_then_full_patience(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness(policy=RetryPolicy(max_tries=10))
        requests_mock.get(f"{API}/projects/", json={})
        harness.client.get_json("projects/")
        flaky = [{"exc": requests.ConnectionError("reset")}] * 6 + [{"json": {"ok": 1}}]
        requests_mock.get(f"{API}/projects/1/persons/", flaky)

        assert harness.client.get_json("projects/1/persons/") == {"ok": 1}
        assert len(backoff_sleeps) == 6


class TestQueryLimits:
    @pytest.mark.parametrize(
        ("status", "detail"),
        [
            (
                504,
                "This query hit the 10-second time limit for queries run through the API. Submit it as an async query",
            ),
            (504, "Query has hit the max execution time before completing. See our docs for how to improve your query"),
            (512, "Estimated query execution time is too long. Try reducing its scope by changing the time range."),
            (513, "Query has reached the max memory limit before completing."),
            (429, "Query timeout exceeded. Try again later."),  # session recordings: DRF Throttled, no Retry-After
        ],
    )
    def test_given_posthog_stopped_the_query_when_sent_then_one_request_and_query_limit_error(
        self, requests_mock: rm.Mocker, status: int, detail: str
    ) -> None:
        body = {"type": "server_error", "code": "error", "detail": detail, "attr": None}
        requests_mock.post(f"{API}/projects/1/query/", status_code=status, json=body)
        with pytest.raises(QueryLimitError) as caught:
            Harness().client.post_json("projects/1/query/", {})
        assert requests_mock.call_count == 1
        assert caught.value.failure_type == "transient_error"

    def test_given_a_429_too_many_simultaneous_queries_when_sent_then_retried(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        detail = "Too many simultaneous queries. Try again later."  # a real concurrency limit: worth waiting for
        busy = {"type": "throttled_error", "code": "throttled", "detail": detail}
        requests_mock.get(f"{API}/projects/1/session_recordings/", [{"status_code": 429, "json": busy}, {"json": {}}])
        assert Harness().client.get_json("projects/1/session_recordings/") == {}
        assert requests_mock.call_count == 2

    def test_given_a_gateway_504_when_sent_then_retried(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        answers: list[dict[str, Any]] = [{"status_code": 504, "text": "<html>Gateway Time-out</html>"}]
        answers.append({"json": {"results": []}})
        requests_mock.post(f"{API}/projects/1/query/", answers)
        assert Harness().client.post_json("projects/1/query/", {}) == {"results": []}
        assert requests_mock.call_count == 2

    def test_given_a_429_longer_than_a_minute_when_retried_then_the_hourly_budget_shrinks_once(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness()
        for _ in range(5):
            requests_mock.post(f"{API}/projects/1/query/", json={"results": []})
            harness.client.post_json("projects/1/query/", {})
        answers: list[dict[str, Any]] = [{"status_code": 429, "headers": {"Retry-After": "1800"}}]
        answers.append({"json": {"results": []}})
        requests_mock.post(f"{API}/projects/1/query/", answers)
        harness.client.post_json("projects/1/query/", {})
        budget = [line for line in harness.logs() if "budget is smaller" in line]
        assert len(budget) == 1
        assert "pacing to 5 requests per window" in budget[0]  # the 5 PostHog answered, not the refused one
        assert backoff_sleeps == [1800]


class TestWaitAccounting:
    def test_given_429_and_a_5xx_when_retried_then_rate_limit_wait_counts_only_the_429(
        self, requests_mock: rm.Mocker, backoff_sleeps: list[float]
    ) -> None:
        harness = Harness()
        answers: list[dict[str, Any]] = [{"status_code": 429, "headers": {"Retry-After": "37"}}, {"status_code": 503}]
        answers.append({"json": {}})
        requests_mock.get(f"{API}/projects/", answers)

        harness.client.get_json("projects/")

        stats = harness.client.stats
        assert stats.throttled_seconds == 37.0
        assert stats.retry_seconds == backoff_sleeps[1]
        assert stats.rate_limit_seconds == 37.0 + stats.pacing_seconds

    def test_given_pacer_holds_a_request_when_sent_then_the_wait_is_counted_as_rate_limit_wait(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        harness.pacer.hold(EndpointClass.CRUD, 12.0)  # e.g. after another request's 429
        requests_mock.get(f"{API}/projects/", json={})

        harness.client.get_json("projects/")

        assert harness.clock.sleeps == [12.0]
        assert harness.client.stats.pacing_seconds == 12.0
        assert harness.client.stats.rate_limit_seconds == 12.0
