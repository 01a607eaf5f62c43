"""Keyset reads never depend on PostHog's silent row cap (10,000 before June 2024, 50,000 since)."""

from typing import Any

import pytest

from source_posthog.streams.query.client import QueryClient
from source_posthog.streams.query.keyset import TableScan, iter_key_pages
from source_posthog.streams.query.row_cap import RowCap, stated_more
from source_posthog.streams.query.sql import HogQLTable, KeyColumn, KeyType
from unit_tests.fakes import API, Harness

TABLE = HogQLTable("persons", ("id",), (KeyColumn("id", KeyType.TEXT),))


class CappedTable:
    """`SELECT id .. ORDER BY id LIMIT n` over sorted ids, every answer cut at `cap` rows without a word."""

    def __init__(self, count: int, cap: int, extra: dict[str, Any] | None = None) -> None:
        self.ids = [f"id-{i:06d}" for i in range(count)]
        self.cap, self.extra = cap, extra or {}
        self.limits: list[int] = []

    def __call__(self, request: Any, _context: Any) -> dict[str, Any]:
        body = request.json()
        after = body["query"]["values"].get("after_id")
        limit = int(body["query"]["query"].rsplit("LIMIT ", 1)[1])
        self.limits.append(limit)
        rows = [[i] for i in self.ids if after is None or i > after][: min(limit, self.cap)]
        return {"columns": ["id"], "results": rows, "hasMore": None, "limit": None, **self.extra}


def read_ids(queries: Any, page_size: int) -> list[str]:
    return [row[0] for page in iter_key_pages(TableScan(queries, 1, TABLE, page_size)) for row in page.rows]


class TestKeysetOnACappedInstance:
    @pytest.mark.parametrize("count", [10_000, 12_345, 30_000])
    def test_given_a_10000_cap_when_45000_a_page_asked_then_every_row_once_and_pages_lowered(
        self, requests_mock: Any, count: int
    ) -> None:
        fake = CappedTable(count, cap=10_000)
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        harness = Harness()
        queries = QueryClient(harness.client, harness.output.log)
        ids = read_ids(queries, 45_000)
        assert ids == fake.ids  # complete, in order, none twice
        assert fake.limits[0] == 45_001
        assert set(fake.limits[1:]) <= {10_000}  # LIMIT 9,999 + 1: exact again
        assert queries.row_cap.cap == 10_000
        warnings = [m for m in harness.logs() if "at most 10,000 rows per query" in m]
        assert len(warnings) == 1
        assert "pages lowered to 9,999" in warnings[0]

    def test_given_the_cap_learned_when_a_second_read_starts_then_it_asks_9999_from_the_start(
        self, requests_mock: Any
    ) -> None:
        fake = CappedTable(15_000, cap=10_000)
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        harness = Harness()
        queries = QueryClient(harness.client, harness.output.log)
        read_ids(queries, 45_000)
        fake.limits.clear()
        assert read_ids(queries, 45_000) == fake.ids
        assert fake.limits == [10_000, 10_000]
        assert sum("at most 10,000" in m for m in harness.logs()) == 1  # said once per sync

    def test_given_a_cloud_instance_when_a_short_page_under_10000_then_the_range_ends_without_another_query(
        self, requests_mock: Any
    ) -> None:
        fake = CappedTable(9_999, cap=50_000)
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        assert len(read_ids(Harness().client, 45_000)) == 9_999
        assert fake.limits == [45_001]

    def test_given_a_short_page_over_10000_then_the_cap_is_50000_and_it_ends_the_range_in_one_query(
        self, requests_mock: Any
    ) -> None:
        # MAX_SELECT_RETURNED_ROWS has only been 10,000 or 50,000: 20,000 rows prove 50,000, so nothing was cut.
        fake = CappedTable(20_000, cap=50_000)
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        assert len(read_ids(Harness().client, 45_000)) == 20_000
        assert fake.limits == [45_001]

    def test_given_exactly_10000_rows_to_a_larger_limit_then_one_more_query_decides(self, requests_mock: Any) -> None:
        fake = CappedTable(10_000, cap=50_000)  # a whole range of exactly 10,000 rows looks like the old cap
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        assert len(read_ids(Harness().client, 45_000)) == 10_000
        assert len(fake.limits) == 2

    def test_given_the_answer_states_has_more_false_then_it_is_believed(self, requests_mock: Any) -> None:
        fake = CappedTable(20_000, cap=50_000, extra={"hasMore": False})
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        assert len(read_ids(Harness().client, 45_000)) == 20_000
        assert len(fake.limits) == 1


class TestRowCap:
    def test_given_a_full_page_seen_when_a_shorter_one_comes_then_it_ends_the_range(self) -> None:
        cap = RowCap()
        assert cap.more_after({}, 45_001, 45_001)
        assert not cap.more_after({}, 44_000, 45_001)  # the instance returned 45,001 rows: no cap cut 44,000

    def test_given_a_cap_learned_when_sizing_pages_then_cap_minus_one(self) -> None:
        cap = RowCap()
        assert cap.fit(60_000) == 49_999
        cap.more_after({}, 50_000, 60_001)
        assert (cap.cap, cap.fit(45_000)) == (50_000, 45_000)
        older = RowCap()
        assert older.more_after({}, 10_000, 45_001)  # maybe cut: read on
        assert (older.cap, older.fit(45_000)) == (10_000, 9_999)
        assert not cap.more_after({}, 10_000, 45_001)  # this instance returned 50,000 rows once: not a cap

    @pytest.mark.parametrize(
        ("answer", "got", "expected"),
        [
            ({}, 5, None),
            ({"hasMore": None, "limit": None}, 5, None),
            ({"hasMore": True}, 5, True),
            ({"hasMore": False, "limit": 100}, 100, False),
            ({"limit": 100}, 100, True),
            ({"limit": 100}, 99, False),
            ({"limit": True}, 1, None),
        ],
    )
    def test_stated_more_reads_has_more_then_limit(
        self, answer: dict[str, Any], got: int, expected: bool | None
    ) -> None:
        assert stated_more(answer, got) is expected

    @pytest.mark.parametrize(("got", "expected"), [(9_999, False), (10_000, True), (50_000, True)])
    def test_given_nothing_learned_when_an_aggregate_answer_comes_then_cut_from_10000_rows(
        self, got: int, expected: bool
    ) -> None:
        assert RowCap().may_be_cut(got, 50_000) is expected
