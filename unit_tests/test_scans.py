"""HogQL table streams: pages halved at a query limit, and incremental reads in cursor order with a lookback."""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from source_posthog.errors import QueryLimitError
from source_posthog.streams.readers import read_stream
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.streams.tables.scans import MIN_PAGE_SIZE, cursor_ordered
from source_posthog.streams.timestamps import parse_timestamp
from unit_tests.fakes import API, Harness, make_config
from unit_tests.test_planning import TIMEOUT_BODY

GROUPS = STREAMS_BY_NAME["groups"]
SESSIONS = STREAMS_BY_NAME["sessions"]
NOW = datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class FakeTable:
    """Serves keyset pages of `rows` (dicts) in `key` order: the window (`start`/`end` on the first key column),
    `after_*` placeholders, `LIMIT`; a LIMIT above `time_limit` answers PostHog's 504 time-limit body."""

    def __init__(self, rows: list[dict[str, Any]], key: list[str], time_limit: int | None = None) -> None:
        self.rows, self.key, self.time_limit = rows, key, time_limit
        self.bodies: list[dict[str, Any]] = []

    def sort_key(self, row: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(parse_timestamp(row[k]) if "timestamp" in k or k.endswith("_at") else row[k] for k in self.key)

    def __call__(self, request: Any, context: Any) -> dict[str, Any]:
        body = request.json()
        self.bodies.append(body)
        sql, values = body["query"]["query"], body["query"]["values"]
        if sql.startswith("SELECT max("):  # a bounded page's bound over the raw table (query/bounded.py)
            return self.bound(sql, values)
        limit = int(sql.rsplit("LIMIT ", 1)[1])
        if self.time_limit is not None and limit > self.time_limit:
            context.status_code = 504
            return TIMEOUT_BODY
        if "GROUP BY hour" in sql:  # the events' density: each row stands for one event at its cursor time
            return self.hourly(values)
        rows = sorted(self.rows, key=self.sort_key)
        if "start" in values:
            first = self.key[0]
            start, end = parse_timestamp(values["start"]), parse_timestamp(values["end"])
            rows = [r for r in rows if start <= parse_timestamp(r[first]) < end]
        after = [values[name] for name in values if name.startswith("after_")]
        if after:
            bound = self.sort_key(dict(zip(self.key, after, strict=True)))
            rows = [r for r in rows if self.sort_key(r) > bound]
        if "upper_key" in values:
            rows = [r for r in rows if r[self.key[0]] <= values["upper_key"]]
        scalar = sql.find(", (SELECT max(")  # a bounded page asks for the next page's bound too
        select = sql[:scalar] if scalar >= 0 else sql
        select = re.sub(r"argMax\([^)]*\) AS (\w+)", r"\1", select)  # a raw table aggregated: its columns
        columns = [column.strip() for column in select.removeprefix("SELECT ").split(" FROM ")[0].split(",")]
        results = [[r[c] for c in columns] for r in rows[:limit]]
        if scalar >= 0:
            limit_inner = sql.split("LIMIT ")[1].split(")")[0]
            inner = f"SELECT max(x) FROM (SELECT x WHERE x > u ORDER BY x LIMIT {limit_inner})"  # noqa: S608
            (bound,) = self.bound(inner, {"after_": values["upper_key"]})["results"]
            columns, results = [*columns, "next_key", "next_rows"], [[*r, *bound] for r in results]
        return {"columns": columns, "results": results}

    def bound(self, sql: str, values: dict[str, Any]) -> dict[str, Any]:
        """`max(key), count()` of the first LIMIT rows after `after_*` (one version per row here)."""
        limit = int(sql.rsplit("LIMIT ", 1)[1].rstrip(")"))
        keys = sorted(r[self.key[0]] for r in self.rows)
        after = [values[name] for name in values if name.startswith("after_")]
        taken = [k for k in keys if not after or k > after[0]][:limit]
        return {"columns": ["last_key", "raw_rows"], "results": [[taken[-1] if taken else "", len(taken)]]}

    def hourly(self, values: dict[str, Any]) -> dict[str, Any]:
        start, end = parse_timestamp(values["start"]), parse_timestamp(values["end"])
        hours = Counter(int(parse_timestamp(r[self.key[0]]).timestamp()) // 3600 for r in self.rows)
        starts = {hour: n for hour, n in hours.items() if start.timestamp() // 3600 <= hour < end.timestamp() / 3600}
        return {"columns": ["hour", "count()"], "results": sorted([hour, n] for hour, n in starts.items())}


def states(harness: Harness) -> list[dict[str, Any]]:
    return [m["state"]["stream"]["stream_state"] for m in harness.messages() if m["type"] == "STATE"]


class TestPagesHalvedAtTheQueryLimit:
    def test_given_pages_over_the_limit_when_read_then_halved_from_the_same_key_and_every_row_once(
        self, requests_mock: Any
    ) -> None:
        rows = [{"distinct_id": f"d{i:03}", "person_id": "p"} for i in range(500)]
        fake = FakeTable(rows, ["distinct_id"], time_limit=120)
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        # a memory budget so wide that no page is sized below the configured 400 rows (pages by bytes: test_budget.py)
        harness = Harness(make_config(events_page_size=400, max_memory_mb=4096))
        stream = STREAMS_BY_NAME["person_distinct_ids"]

        assert read_stream(stream, harness.sync([{"id": 1}]), "full_refresh", None) == 500

        assert [r["distinct_id"] for r in harness.records(stream.name)] == [r["distinct_id"] for r in rows]
        pages = [body["query"]["query"] for body in fake.bodies if not body["query"]["query"].startswith("SELECT max(")]
        limits = [int(sql.rsplit("LIMIT ", 1)[1]) for sql in pages]
        assert limits[:3] == [401, 201, 101]  # halved twice, then pages of 100
        assert set(limits[3:]) == {101}

    def test_given_a_limit_below_the_smallest_page_when_read_then_query_limit_error_naming_the_table(
        self, requests_mock: Any
    ) -> None:
        rows = [{"distinct_id": f"d{i}", "person_id": "p"} for i in range(3)]
        requests_mock.post(f"{API}/projects/1/query/", json=FakeTable(rows, ["distinct_id"], time_limit=1))
        harness = Harness()
        with pytest.raises(QueryLimitError, match=r"even \d+ rows of person_distinct_ids") as error:
            read_stream(STREAMS_BY_NAME["person_distinct_ids"], harness.sync([{"id": 1}]), "full_refresh", None)
        assert MIN_PAGE_SIZE / 2 < int(error.value.message.split()[3]) <= MIN_PAGE_SIZE


class TestIncrementalSessions:
    def test_given_start_date_when_read_then_windows_by_event_density_and_no_dollar(self, requests_mock: Any) -> None:
        start = NOW - timedelta(days=3)
        row = dict.fromkeys(SESSIONS.read.table.columns, "")
        starts = [stamp(start + timedelta(hours=30 * i)) for i in (0, 1)]
        rows = [row | {"session_id": f"s{i}", "$start_timestamp": starts[i]} for i in (0, 1)]
        fake = FakeTable(rows, ["$start_timestamp", "session_id"])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        harness = Harness(make_config(start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ")))

        assert read_stream(SESSIONS, harness.sync([{"id": 1}]), "incremental", None) == 2

        records = harness.records("sessions")
        assert [r["session_id"] for r in records] == ["s0", "s1"]
        assert "$start_timestamp" not in records[0]
        assert records[0]["start_timestamp"] == starts[0]
        assert "GROUP BY hour" in fake.bodies[0]["query"]["query"]  # one density query for the range
        page = fake.bodies[1]["query"]
        assert parse_timestamp(page["values"]["start"]) == start.replace(microsecond=0)  # start_date
        assert len(fake.bodies) == 2  # one window: 2 events, far below 200,000
        assert "{after_start_timestamp}" not in fake.bodies[0]["query"]["query"]
        saved = states(harness)[-1]["1"]["start_timestamp"]
        assert parse_timestamp(saved) == parse_timestamp(rows[1]["$start_timestamp"])

    def test_given_a_state_when_read_then_re_reads_the_25_hours_before_it(self, requests_mock: Any) -> None:
        fake = FakeTable([], ["$start_timestamp", "session_id"])
        requests_mock.post(f"{API}/projects/1/query/", json=fake)
        harness = Harness()
        cursor = NOW - timedelta(hours=2)

        read_stream(SESSIONS, harness.sync([{"id": 1}]), "incremental", {"1": {"start_timestamp": stamp(cursor)}})

        first = parse_timestamp(fake.bodies[0]["query"]["values"]["start"])
        assert abs(first - (cursor - timedelta(hours=25))) < timedelta(seconds=1)


def test_cursor_order_puts_the_cursor_column_before_the_key() -> None:
    assert [column.name for column in cursor_ordered(SESSIONS).key] == ["$start_timestamp", "session_id"]
    assert [column.name for column in cursor_ordered(GROUPS).key] == ["updated_at", "index", "key"]
