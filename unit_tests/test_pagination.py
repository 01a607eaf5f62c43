"""iter_pages: `next` followed exactly as returned, loops stepped past by our own offset, foreign hosts refused."""

from typing import Any

import pytest
import requests_mock as rm

from source_posthog.errors import ConfigError, InternalError
from source_posthog.http.pacing import EndpointClass
from source_posthog.http.pagination import iter_pages, offset_url
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


class TestLoopingNext:
    """posthog#13508: a `next` that repeats a fetched URL is stepped past with our own offset, told once."""

    def test_given_next_equal_to_current_url_when_iterating_then_own_offset_and_one_warning(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        first = f"{COHORTS}?limit=2"
        requests_mock.get(COHORTS, [{"json": page([{"id": 1}, {"id": 2}], first)}, {"json": page([{"id": 3}])}])

        pages = read_all(harness)

        assert pages == [[{"id": 1}, {"id": 2}], [{"id": 3}]]
        assert [r.url for r in requests_mock.request_history] == [first, f"{COHORTS}?limit=2&offset=2"]
        assert [line for line in harness.logs() if "posthog#13508" in line] == [
            f"PostHog's next link for projects/1/cohorts/ repeats a page already read ({first}; posthog#13508): "
            "reading on with offsets computed from our own requests."
        ]

    def test_given_every_next_looping_when_iterating_then_whole_list_read_and_told_once(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        rows = [{"id": n} for n in range(1, 8)]

        def answer(request: Any, _context: Any) -> dict[str, Any]:
            offset = int(request.qs.get("offset", ["0"])[0])
            chunk = rows[offset : offset + 2]
            return page(chunk, request.url if offset + 2 < len(rows) else None)  # next = the URL just fetched

        requests_mock.get(COHORTS, json=answer)

        pages = read_all(harness)

        assert [row["id"] for rows_ in pages for row in rows_] == [1, 2, 3, 4, 5, 6, 7]
        assert [r.qs.get("offset") for r in requests_mock.request_history] == [None, ["2"], ["4"], ["6"]]
        assert len([line for line in harness.logs() if "posthog#13508" in line]) == 1

    def test_given_next_cycling_back_to_earlier_page_when_iterating_then_own_offset_after_it(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        first, second = f"{COHORTS}?limit=2", f"{COHORTS}?limit=2&offset=2"
        requests_mock.get(
            COHORTS,
            [
                {"json": page([{"id": 1}, {"id": 2}], second)},
                {"json": page([{"id": 3}, {"id": 4}], first)},
                {"json": page([{"id": 5}])},
            ],
        )

        pages = read_all(harness)

        assert [row["id"] for rows in pages for row in rows] == [1, 2, 3, 4, 5]
        assert requests_mock.request_history[2].url == f"{COHORTS}?limit=2&offset=4"

    def test_given_short_page_with_looping_next_when_iterating_then_steps_by_page_length_never_skipping(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        first = f"{COHORTS}?limit=2"
        requests_mock.get(COHORTS, [{"json": page([{"id": 1}], first)}, {"json": page([{"id": 2}])}])

        read_all(harness)

        assert requests_mock.request_history[1].url == f"{COHORTS}?limit=2&offset=1"

    def test_given_list_ignoring_offset_when_looping_then_error_after_own_offset_repeats_the_page(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        first = f"{COHORTS}?limit=2"
        requests_mock.get(COHORTS, json=page([{"id": 1}, {"id": 2}], first))  # the same page at every offset

        with pytest.raises(InternalError, match=r"repeats an already fetched page.*repeats too"):
            read_all(harness)

        assert requests_mock.call_count == 2

    def test_given_empty_page_without_limit_looping_when_iterating_then_error_after_one_request(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(COHORTS, json=page([], f"{COHORTS}?a=1"))

        with pytest.raises(InternalError, match="repeats too"):
            list(iter_pages(harness.client, "projects/1/cohorts/", {"a": "1"}, EndpointClass.CRUD))

        assert requests_mock.call_count == 1


class TestOffsetUrl:
    @pytest.mark.parametrize(
        ("url", "length", "expected"),
        [
            ("https://h/api/x/?limit=100", 100, "https://h/api/x/?limit=100&offset=100"),
            (
                "https://h/api/x/?limit=100&offset=200&basic=true",
                100,
                "https://h/api/x/?limit=100&basic=true&offset=300",
            ),
            ("https://h/api/x/?limit=100&offset=200", 40, "https://h/api/x/?limit=100&offset=240"),
            ("https://h/api/x/?limit=100&offset=200", 0, "https://h/api/x/?limit=100&offset=300"),
            ("https://h/api/x/?type=event", 7, "https://h/api/x/?type=event&offset=7"),
            ("https://h/api/x/?type=event", 0, None),
        ],
    )
    def test_offset_moves_past_the_page(self, url: str, length: int, expected: str | None) -> None:
        assert offset_url(url, length) == expected


class TestOtherLinks:
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
