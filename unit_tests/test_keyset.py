"""The keyset pages over one table: LIMIT n+1, duplicate rows dropped, each page carrying its last key and count."""

from typing import Any

import pytest

from source_posthog.errors import InternalError
from source_posthog.streams.query.keyset import TableScan, iter_key_pages
from source_posthog.streams.query.sql import MAX_PAGE_SIZE, HogQLTable, KeyColumn, KeyType
from unit_tests.fakes import API, Harness

PERSONS = HogQLTable("persons", ("id", "created_at", "properties"), (KeyColumn("id", KeyType.UUID),))
GROUPS = HogQLTable(
    "groups", ("index", "key", "properties"), (KeyColumn("index", KeyType.INTEGER), KeyColumn("key", KeyType.TEXT))
)


class FakeTable:
    """Serves `SELECT .. ORDER BY key LIMIT n` over sorted rows; `after` is read from the placeholders."""

    def __init__(self, columns: list[str], rows: list[list[Any]], key_positions: list[int]) -> None:
        self.columns, self.rows, self.key_positions = columns, rows, key_positions
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: Any, _context: Any) -> dict[str, Any]:
        body = request.json()
        self.bodies.append(body)
        values = body["query"]["values"]
        after = [v for k, v in values.items() if k.startswith("after_")]
        rows = [r for r in self.rows if not after or [r[i] for i in self.key_positions] > after]
        limit = int(body["query"]["query"].rsplit("LIMIT ", 1)[1])
        return {"columns": self.columns, "results": rows[:limit]}


def read_all(harness: Harness, table: HogQLTable, page_size: int) -> tuple[list[dict[str, Any]], list[Any]]:
    """Every row as a dict, and each page's (count, last_key) as the page carries them."""
    rows: list[dict[str, Any]] = []
    pages: list[Any] = []
    for page in iter_key_pages(TableScan(harness.client, 1, table, page_size)):
        rows.extend(page.dicts())
        pages.append((page.count, page.last_key))
    return rows, pages


class TestIterRows:
    def test_given_more_rows_than_a_page_when_read_then_limit_n_plus_1_and_every_row_once(
        self, requests_mock: Any
    ) -> None:
        fake = FakeTable(["id", "created_at", "properties"], [[f"id-{i:02}", "t", "{}"] for i in range(7)], [0])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        rows, pages = read_all(Harness(), PERSONS, 3)
        assert [row["id"] for row in rows] == [f"id-{i:02}" for i in range(7)]
        assert [body["query"]["query"].rsplit(" ", 1)[1] for body in fake.bodies] == ["4", "4", "4"]
        assert pages == [(3, ("id-02",)), (3, ("id-05",)), (1, ("id-06",))]

    def test_given_exactly_a_full_last_page_when_read_then_no_extra_query(self, requests_mock: Any) -> None:
        fake = FakeTable(["id", "created_at", "properties"], [[f"id-{i}", "t", "{}"] for i in range(6)], [0])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        rows, _ = read_all(Harness(), PERSONS, 3)
        assert len(rows) == 6
        assert len(fake.bodies) == 2  # the 4th row of page 1 said "more"; page 2 held 3 rows and no 4th

    def test_given_unmerged_duplicate_rows_when_read_then_each_key_once(self, requests_mock: Any) -> None:
        cells = [[0, "a", "{}"], [0, "a", "{}"], [0, "b", "{}"], [1, "a", "{}"], [1, "a", "{}"], [1, "a", "{}"]]
        fake = FakeTable(["index", "key", "properties"], cells, [0, 1])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        rows, pages = read_all(Harness(), GROUPS, 2)
        assert [(row["index"], row["key"]) for row in rows] == [(0, "a"), (0, "b"), (1, "a")]
        assert "(index > {after_index} OR (index = {after_index} AND key > {after_key}))" in str(fake.bodies[1])
        assert pages[-1][1] == (1, "a")

    def test_given_columns_in_another_order_when_read_then_rows_by_name(self, requests_mock: Any) -> None:
        fake = FakeTable(["properties", "id", "created_at"], [["{}", "id-1", "t"]], [1])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        rows, _ = read_all(Harness(), PERSONS, 10)
        assert rows == [{"properties": "{}", "id": "id-1", "created_at": "t"}]

    def test_given_a_page_size_above_the_cap_when_read_then_asks_at_most_50000(self, requests_mock: Any) -> None:
        fake = FakeTable(["id", "created_at", "properties"], [], [0])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        read_all(Harness(), PERSONS, 50_000)
        assert fake.bodies[0]["query"]["query"].endswith(f"LIMIT {MAX_PAGE_SIZE + 1}")
        assert MAX_PAGE_SIZE + 1 == 50_000

    def test_given_consumer_stops_mid_page_when_closed_then_no_next_page_asked(self, requests_mock: Any) -> None:
        fake = FakeTable(["id", "created_at", "properties"], [[f"id-{i}", "t", "{}"] for i in range(5)], [0])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        pages = iter_key_pages(TableScan(Harness().client, 1, PERSONS, 3))
        first = next(pages)
        assert (len(first.rows), first.count, first.last_key) == (3, 3, ("id-2",))
        assert len(fake.bodies) == 1  # the page was handed out, but the consumer has not come back for more
        pages.close()
        assert len(fake.bodies) == 1

    def test_given_a_page_released_by_the_consumer_when_more_asked_then_paging_goes_on(
        self, requests_mock: Any
    ) -> None:
        fake = FakeTable(["id", "created_at", "properties"], [[f"id-{i}", "t", "{}"] for i in range(5)], [0])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        pages = iter_key_pages(TableScan(Harness().client, 1, PERSONS, 3))
        first = next(pages)
        first.release()
        second = next(pages)
        assert first.rows == []
        assert (first.count, first.last_key) == (3, ("id-2",))  # kept for the checkpoint after the release
        assert [row[0] for row in second.rows] == ["id-3", "id-4"]

    def test_given_missing_column_when_read_then_internal_error(self, requests_mock: Any) -> None:
        requests_mock.post(f"{API}/projects/1/query/", json={"columns": ["id"], "results": [["x"]]})
        with pytest.raises(InternalError, match="lacks a column"):
            read_all(Harness(), PERSONS, 3)
