"""REST list pages sized by bytes (issue 23): each page's `limit` from the budget, offsets kept, loops still seen."""

from collections.abc import Callable
from typing import Any

import pytest
import requests_mock as rm

from source_posthog.errors import InternalError
from source_posthog.http.pacing import EndpointClass
from source_posthog.http.pagination import iter_pages
from source_posthog.streams.query.budget import FIRST_ROW_BYTES, PageBudget
from source_posthog.streams.rest.lists import read_rest_stream
from source_posthog.streams.rest.sizing import ListSizer, wanted_rows
from source_posthog.streams.table import PERSONS_LIST
from unit_tests.fakes import API, Harness, make_config, page

COHORTS = f"{API}/projects/1/cohorts/"
PERSONS = f"{API}/projects/1/persons/"


class Limits:
    """A sizer asking the given limits in turn, recording what it was told."""

    def __init__(self, *limits: int) -> None:
        self.limits, self.weighed_rows, self.failures = list(limits), list[int](), 0

    def limit(self) -> int:
        return self.limits.pop(0)

    def fetch(self, get: Callable[[int], Any]) -> tuple[Any, int]:
        limit = self.limit()
        return get(limit), limit

    def weighed(self, results: list[Any]) -> None:
        self.weighed_rows.append(len(results))

    def failed(self) -> None:
        self.failures += 1


def read_sized(harness: Harness, sizer: Limits) -> list[list[dict[str, Any]]]:
    return list(iter_pages(harness.client, "projects/1/cohorts/", {"limit": "3"}, EndpointClass.CRUD, sizer))


class TestSizedPages:
    def test_given_a_sizer_when_iterating_then_each_page_asks_its_limit_at_the_servers_offset(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(
            COHORTS,
            [
                {"json": page([{"id": 1}, {"id": 2}, {"id": 3}], f"{COHORTS}?limit=3&offset=3")},
                {"json": page([{"id": 4}], f"{COHORTS}?limit=1&offset=4")},
                {"json": page([{"id": 5}, {"id": 6}])},
            ],
        )
        sizer = Limits(3, 1, 2)

        pages = read_sized(harness, sizer)

        assert [row["id"] for rows in pages for row in rows] == [1, 2, 3, 4, 5, 6]
        asked = [(r.qs.get("offset"), r.qs["limit"]) for r in requests_mock.request_history]
        assert asked == [(None, ["3"]), (["3"], ["1"]), (["4"], ["2"])]
        assert sizer.weighed_rows == [3, 1, 2]

    def test_given_a_next_repeating_an_offset_with_another_limit_when_sized_then_still_a_loop(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        first = f"{COHORTS}?limit=3"  # the server repeats the first page's URL; we asked it with limit=2 meanwhile
        requests_mock.get(COHORTS, [{"json": page([{"id": 1}, {"id": 2}], first)}, {"json": page([{"id": 3}])}])

        pages = read_sized(harness, Limits(2, 2))

        assert [row["id"] for rows in pages for row in rows] == [1, 2, 3]
        assert requests_mock.request_history[1].qs == {"limit": ["2"], "offset": ["2"]}
        assert any("posthog#13508" in line for line in harness.logs())

    def test_given_a_failed_page_when_sized_then_the_sizer_hears_it(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(COHORTS, json={"unexpected": True})
        sizer = Limits(3)

        with pytest.raises(InternalError):
            read_sized(harness, sizer)

        assert sizer.failures == 1


class TestListSizer:
    def test_given_heavy_rows_when_weighed_then_the_next_page_asks_fewer(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        budget = PageBudget(64)
        sizer = ListSizer(budget, harness.client, 1, "persons list", 1000)
        heavy = [{"id": n, "properties": {"blob": "x" * 20_000}} for n in range(50)]
        requests_mock.get(PERSONS, json=page(heavy))

        first = sizer.limit()
        harness.client.get_json("projects/1/persons/")
        sizer.weighed(heavy)

        assert budget.page_bytes is not None
        assert first == int(budget.page_bytes // FIRST_ROW_BYTES)  # nothing known yet: cautious
        assert sizer.limit() == int(budget.page_bytes // (harness.client.last_body_bytes() / 50))
        assert sizer.limit() < 100

    def test_given_light_rows_when_weighed_then_pages_stay_at_what_the_endpoint_accepts(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        sizer = ListSizer(PageBudget(256), harness.client, 1, "cohorts list", 1000)
        light = [{"id": n} for n in range(100)]
        requests_mock.get(COHORTS, json=page(light))

        harness.client.get_json("projects/1/cohorts/")
        sizer.weighed(light)

        assert sizer.limit() == 1000

    @pytest.mark.parametrize(("params", "wanted"), [({"limit": "1000"}, 1000), ({}, None), ({"limit": "x"}, None)])
    def test_wanted_rows_is_the_lists_own_limit(self, params: dict[str, str], wanted: int | None) -> None:
        assert wanted_rows(params) == wanted


class TestPersonsListUnderBudget:
    def test_given_fat_persons_and_a_small_budget_when_read_then_pages_follow_their_weight_and_each_person_once(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness(make_config(max_memory_mb=64))
        people = [{"id": n, "uuid": f"u{n}", "properties": {"blob": "x" * 30_000}} for n in range(120)]

        def answer(request: Any, _context: Any) -> dict[str, Any]:
            offset, limit = int(request.qs.get("offset", ["0"])[0]), int(request.qs["limit"][0])
            following = f"{PERSONS}?limit={limit}&offset={offset + limit}" if offset + limit < len(people) else None
            return page(people[offset : offset + limit], following)

        requests_mock.get(PERSONS, json=answer)

        emitted = read_rest_stream(PERSONS_LIST, harness.sync([{"id": 1}]))

        limits = [int(r.qs["limit"][0]) for r in requests_mock.request_history]
        assert emitted == 120
        assert sorted(r["id"] for r in harness.records("persons")) == list(range(120))
        assert limits[0] == 28  # 64 MB: ~1.8 MB a page, 64 KB a row until the first page is weighed
        assert 1 < max(limits[1:]) <= 62  # ~30 KB a row: about 1.8 MB / 30 KB, not the list's 1,000


class TestHeavyRowAlone:
    def test_given_a_row_heavier_than_a_pages_share_when_listed_then_it_is_alone_in_its_page_the_first_time(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        budget = PageBudget(64)  # a page's share: about 1.8 MB
        rows: list[dict[str, Any]] = [{"id": n, "blob": "x" * 100} for n in range(12)]
        rows[3]["blob"] = "y" * 3_000_000

        def answer(request: Any, _context: Any) -> dict[str, Any]:
            offset, limit = int(request.qs.get("offset", ["0"])[0]), int(request.qs["limit"][0])
            following = f"{COHORTS}?limit={limit}&offset={offset + limit}" if offset + limit < len(rows) else None
            return page(rows[offset : offset + limit], following)

        requests_mock.get(COHORTS, json=answer)
        sizer = ListSizer(budget, harness.client, 1, "cohorts list", 1000)

        pages = [[row["id"] for row in results] for results in iter_pages(
            harness.client, "projects/1/cohorts/", {"limit": "1000"}, EndpointClass.CRUD, sizer
        )]  # fmt: skip

        asked = [(r.qs.get("offset", ["0"])[0], r.qs["limit"][0]) for r in requests_mock.request_history]
        assert asked[0][0] == "0"
        assert int(asked[0][1]) > 4  # this first answer meets the heavy row: abandoned past the share
        assert asked[1:3] == [("0", "3"), ("3", "1")]  # the rows before it, then it alone
        assert pages[:2] == [[0, 1, 2], [3]]  # the heavy row alone, the first time it is handed over
        assert [n for rows_ in pages for n in rows_] == list(range(12))
        assert (report := budget.report("cohorts list")) is not None
        assert report.startswith("1 cohorts list row(s)")
