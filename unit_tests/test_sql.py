"""The HogQL keyset reader: typed keyset SQL, LIMIT n+1, duplicate rows dropped, checkpoints after the rows."""

from datetime import UTC, datetime
from typing import Any

import pytest

from source_posthog.errors import InternalError
from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.query.keyset import iter_pages
from source_posthog.streams.query.sql import (
    MAX_PAGE_SIZE,
    Bounds,
    HogQLTable,
    KeyColumn,
    KeyType,
    after_condition,
    build_query,
)
from source_posthog.streams.query.tables import EVENTS_TABLE
from source_posthog.streams.readers import read_stream
from source_posthog.streams.stream import Reader, Stream
from unit_tests.fakes import API, Harness

DAY0 = datetime(2024, 1, 1, tzinfo=UTC)
DAY1 = datetime(2024, 1, 2, tzinfo=UTC)
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
    pages: list[Any] = []
    on_page = lambda n, key: pages.append((n, key))  # noqa: E731
    rows = [row for page in iter_pages(harness.client, 1, table, page_size, on_page=on_page) for row in page.dicts()]
    return rows, pages


class TestBuildQuery:
    def test_given_bounds_when_built_then_half_open_utc_range_in_key_order_with_limit(self) -> None:
        body = build_query(EVENTS_TABLE, "q", 501, [Bounds("timestamp", DAY0, DAY1).condition()])
        sql = body["query"]["query"]
        assert "timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC')" in sql
        assert sql.endswith("ORDER BY timestamp ASC, uuid ASC LIMIT 501")
        assert "OFFSET" not in sql
        assert body["query"]["values"] == {"start": "2024-01-01 00:00:00.000000", "end": "2024-01-02 00:00:00.000000"}
        assert body["query"]["modifiers"] == {"convertToProjectTimezone": False}
        assert body["refresh"] == "force_blocking"

    def test_given_after_when_built_then_each_key_compared_as_its_own_type(self) -> None:
        sql, values = after_condition(EVENTS_TABLE.key, (datetime(2024, 1, 1, 10, 0, 0, 1, tzinfo=UTC), "u-7"))
        assert sql == (
            "(timestamp > toDateTime64({after_timestamp}, 6, 'UTC') OR (timestamp = toDateTime64({after_timestamp}, "
            "6, 'UTC') AND uuid > toUUID({after_uuid})))"
        )
        assert values == {"after_timestamp": "2024-01-01 10:00:00.000001", "after_uuid": "u-7"}

    def test_given_no_bounds_and_no_after_when_built_then_no_where(self) -> None:
        sql = build_query(PERSONS, "q", 11)["query"]["query"]
        assert sql == "SELECT id, created_at, properties FROM persons ORDER BY id ASC LIMIT 11"


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

    def test_given_consumer_stops_mid_page_when_closed_then_no_checkpoint(self, requests_mock: Any) -> None:
        fake = FakeTable(["id", "created_at", "properties"], [[f"id-{i}", "t", "{}"] for i in range(5)], [0])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        checkpoints: list[Any] = []
        pages = iter_pages(Harness().client, 1, PERSONS, 3, on_page=lambda n, key: checkpoints.append(key))
        first = next(pages)
        assert len(first.rows) == 3
        assert checkpoints == []  # the page was handed out, but the consumer has not come back for more
        pages.close()
        assert checkpoints == []

    def test_given_a_page_released_by_the_consumer_when_more_asked_then_paging_goes_on(
        self, requests_mock: Any
    ) -> None:
        fake = FakeTable(["id", "created_at", "properties"], [[f"id-{i}", "t", "{}"] for i in range(5)], [0])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        pages = iter_pages(Harness().client, 1, PERSONS, 3)
        first = next(pages)
        first.release()
        second = next(pages)
        assert first.rows == []
        assert [row[0] for row in second.rows] == ["id-3", "id-4"]

    def test_given_missing_column_when_read_then_internal_error(self, requests_mock: Any) -> None:
        requests_mock.post(f"{API}/projects/1/query/", json={"columns": ["id"], "results": [["x"]]})
        with pytest.raises(InternalError, match="lacks a column"):
            read_all(Harness(), PERSONS, 3)


class TestHogQLStream:
    def test_given_a_hogql_row_when_read_then_every_row_once_per_project_with_project_id(
        self, requests_mock: Any
    ) -> None:
        stream = Stream("groups", Reader.HOGQL, "query:read", EndpointClass.QUERY, table=GROUPS, primary_key=("index",))
        for project_id in (1, 2):
            cells = [[0, f"p{project_id}", "{}"], [0, f"p{project_id}", "{}"], [1, "x", "{}"]]
            fake = FakeTable(["index", "key", "properties"], cells, [0, 1])
            requests_mock.post(f"{API}/projects/{project_id}/query/", json=fake)
        harness = Harness()
        assert read_stream(stream, harness.sync([{"id": 1}, {"id": 2}]), "full_refresh", None) == 4
        records = harness.records("groups")
        assert [(r["project_id"], r["key"]) for r in records] == [(1, "p1"), (1, "x"), (2, "p2"), (2, "x")]
