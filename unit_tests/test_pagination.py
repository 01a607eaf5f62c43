"""iter_pages: `next` followed exactly as returned, loops and foreign hosts refused before any request."""

import pytest
import requests_mock as rm

from source_posthog.errors import ConfigError, InternalError
from source_posthog.http.pacing import EndpointClass
from source_posthog.http.pagination import iter_pages
from unit_tests.fakes import API, Harness, page

COHORTS = f"{API}/projects/1/cohorts/"


def read_all(harness: Harness, params: dict[str, str] | None = None) -> list[list[dict[str, int]]]:
    return list(iter_pages(harness.client, "projects/1/cohorts/", params or {"limit": "2"}, EndpointClass.CRUD))


class TestIterPages:
    def test_given_next_links_when_iterating_then_each_followed_verbatim_until_null(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        second = f"{COHORTS}?limit=2&offset=2&zz=kept"  # params PostHog added or reordered stay as they are
        requests_mock.get(COHORTS, [{"json": page([{"id": 1}, {"id": 2}], second)}, {"json": page([{"id": 3}])}])

        pages = read_all(harness)

        assert pages == [[{"id": 1}, {"id": 2}], [{"id": 3}]]
        assert [r.url for r in requests_mock.request_history] == [f"{COHORTS}?limit=2", second]

    def test_given_short_page_with_next_when_iterating_then_keeps_going(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(
            COHORTS,
            [
                {"json": page([{"id": 1}], f"{COHORTS}?limit=2&offset=2")},  # short, yet more follow
                {"json": page([], f"{COHORTS}?limit=2&offset=4")},
                {"json": page([{"id": 5}])},
            ],
        )

        assert [row["id"] for rows in read_all(harness) for row in rows] == [1, 5]
        assert requests_mock.call_count == 3

    def test_given_relative_next_when_iterating_then_resolved_against_current_page(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(
            COHORTS, [{"json": page([{"id": 1}], "/api/projects/1/cohorts/?offset=1")}, {"json": page([])}]
        )

        read_all(harness)

        assert requests_mock.request_history[1].url == f"{COHORTS}?offset=1"

    def test_given_next_equal_to_current_url_when_iterating_then_error_after_one_request(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(COHORTS, json=page([{"id": 1}], f"{COHORTS}?limit=2"))

        with pytest.raises(InternalError, match="repeats an already fetched page"):
            read_all(harness)

        assert requests_mock.call_count == 1

    def test_given_next_cycling_back_to_earlier_page_when_iterating_then_error(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        first, second = f"{COHORTS}?limit=2", f"{COHORTS}?limit=2&offset=2"
        requests_mock.get(COHORTS, [{"json": page([{"id": 1}], second)}, {"json": page([{"id": 2}], first)}])

        with pytest.raises(InternalError):
            read_all(harness)

        assert requests_mock.call_count == 2

    def test_given_next_on_another_host_when_iterating_then_error_names_host_and_no_request_sent(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(COHORTS, json=page([{"id": 1}], "https://eu.posthog.com/api/projects/1/cohorts/?offset=2"))
        foreign = requests_mock.get("https://eu.posthog.com/api/projects/1/cohorts/", json=page([]))

        with pytest.raises(ConfigError, match=r"eu\.posthog\.com"):
            read_all(harness)

        assert not foreign.called

    def test_given_body_without_results_when_iterating_then_internal_error(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(COHORTS, json=[{"id": 1}])

        with pytest.raises(InternalError, match="Unexpected response shape"):
            read_all(harness)
