"""Windows sized by data: density counts, window planning, splitting what PostHog cannot answer in time."""

from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import Any

import pytest

from source_posthog.errors import QueryLimitError, TransientError
from source_posthog.streams.query.keyset import TableScan
from source_posthog.streams.query.planning import (
    HOUR,
    MIN_WINDOW,
    hourly_counts,
    iter_window_pages,
    plan_windows,
    split,
)
from source_posthog.streams.query.sql import Bounds
from source_posthog.streams.query.tables import EVENTS_TABLE
from unit_tests.events_fake_api import at, uid
from unit_tests.fakes import API, Harness

T0 = datetime(2024, 1, 1, tzinfo=UTC)
TIMEOUT_BODY = {
    "type": "server_error",
    "code": "error",
    "detail": "This query hit the 10-second time limit for queries run through the API. Submit it as an async query.",
    "attr": None,
}


def hours(*counts: int) -> dict[datetime, int]:
    return {T0 + HOUR * i: n for i, n in enumerate(counts) if n}


def spans(windows: list[Bounds]) -> list[tuple[datetime, datetime]]:
    return [(w.start, w.end) for w in windows]


def assert_covers(windows: list[Bounds], start: datetime, end: datetime) -> None:
    assert windows[0].start == start
    assert windows[-1].end == end
    assert all(a.end == b.start for a, b in pairwise(windows))


class TestPlanWindows:
    def test_given_sparse_hours_when_planned_then_merged_up_to_about_a_page(self) -> None:
        windows = plan_windows(hours(40, 30, 20, 50, 10), T0, T0 + 5 * HOUR, rows=100, widest=timedelta(days=30))
        assert spans(windows) == [(T0, T0 + 3 * HOUR), (T0 + 3 * HOUR, T0 + 5 * HOUR)]

    def test_given_a_dense_hour_when_planned_then_cut_in_equal_parts(self) -> None:
        windows = plan_windows(hours(10, 1000, 10), T0, T0 + 3 * HOUR, rows=250, widest=timedelta(days=30))
        assert_covers(windows, T0, T0 + 3 * HOUR)
        inside = [w for w in windows if w.start >= T0 + HOUR and w.end <= T0 + 2 * HOUR]
        assert len(inside) == 4
        assert {w.end - w.start for w in inside} == {timedelta(minutes=15)}

    def test_given_an_hour_denser_than_a_page_per_minute_when_planned_then_minute_windows(self) -> None:
        windows = plan_windows(hours(10**7), T0, T0 + HOUR, rows=1000, widest=timedelta(days=30))
        assert len(windows) == 60
        assert {w.end - w.start for w in windows} == {MIN_WINDOW}

    def test_given_empty_history_before_the_first_event_when_planned_then_skipped(self) -> None:
        counts = {T0 + timedelta(days=400): 5}
        windows = plan_windows(counts, T0, T0 + timedelta(days=401), rows=100, widest=timedelta(days=30))
        assert_covers(windows, T0 + timedelta(days=400), T0 + timedelta(days=401))

    def test_given_no_events_when_planned_then_no_window(self) -> None:
        assert plan_windows({}, T0, T0 + timedelta(days=9), rows=100, widest=timedelta(days=30)) == []

    def test_given_a_long_quiet_stretch_when_planned_then_no_window_wider_than_the_step(self) -> None:
        counts = {T0: 1, T0 + timedelta(days=100): 1}
        windows = plan_windows(counts, T0, T0 + timedelta(days=101), rows=100, widest=timedelta(days=30))
        assert_covers(windows, T0, T0 + timedelta(days=101))
        assert max(w.end - w.start for w in windows) <= timedelta(days=30)

    def test_given_start_inside_an_hour_when_planned_then_the_first_window_starts_there(self) -> None:
        start = T0 + timedelta(minutes=42, microseconds=7)
        windows = plan_windows(hours(5, 5), start, T0 + 2 * HOUR, rows=100, widest=timedelta(days=30))
        assert spans(windows) == [(start, T0 + 2 * HOUR)]


class TestSplit:
    def test_given_a_timed_out_window_when_split_at_its_cursor_then_two_halves_of_the_rest(self) -> None:
        first, second = split(Bounds("timestamp", T0, T0 + 4 * HOUR), T0 + 2 * HOUR)
        assert (first.start, first.end, second.end) == (T0 + 2 * HOUR, T0 + 3 * HOUR, T0 + 4 * HOUR)


class TestHourlyCounts:
    def test_given_a_year_and_a_half_when_counted_then_two_queries_and_utc_hours(self, requests_mock: Any) -> None:
        requests_mock.post(f"{API}/projects/1/query/", json={"columns": ["hour", "count()"], "results": [[473352, 7]]})
        counts = hourly_counts(Harness().client, 1, Bounds("timestamp", T0, T0 + timedelta(days=548)))
        assert requests_mock.call_count == 2
        assert counts == {datetime.fromtimestamp(473352 * 3600, UTC): 7}
        sql = requests_mock.request_history[0].json()["query"]["query"]
        assert "GROUP BY hour" in sql
        assert "intDiv(toUnixTimestamp(timestamp), 3600)" in sql

    def test_given_a_timeout_when_counted_then_the_range_is_halved(self, requests_mock: Any) -> None:
        answers = [{"status_code": 504, "json": TIMEOUT_BODY}] + [{"json": {"columns": [], "results": []}}] * 2
        requests_mock.post(f"{API}/projects/1/query/", answers)
        assert hourly_counts(Harness().client, 1, Bounds("timestamp", T0, T0 + timedelta(days=2))) == {}
        bodies = [r.json()["query"]["values"] for r in requests_mock.request_history]
        assert [b["start"] for b in bodies] == ["2024-01-01 00:00:00.000000"] * 2 + ["2024-01-02 00:00:00.000000"]

    def test_given_one_hour_still_times_out_when_counted_then_a_clear_transient_error(self, requests_mock: Any) -> None:
        requests_mock.post(f"{API}/projects/1/query/", status_code=504, json=TIMEOUT_BODY)
        with pytest.raises(TransientError, match="cannot even count the events of one hour"):
            hourly_counts(Harness().client, 1, Bounds("timestamp", T0, T0 + HOUR))
        assert requests_mock.call_count == 1  # the same query is never retried as is


ROW_COLUMNS = ["uuid", "event", "distinct_id", "timestamp", "properties", "elements_chain"]


def render(ts: datetime, n: int) -> list[Any]:
    return [uid(n), "$pageview", "user", ts.strftime("%Y-%m-%d %H:%M:%S.%f"), "{}", ""]


class SlowOnWideWindows:
    """Answers pages, but times out any keyset page of a window wider than an hour (as a dense day would)."""

    def __init__(self, rows: list[list[Any]]) -> None:
        self.rows = rows
        self.timeouts = 0

    def __call__(self, request: Any, context: Any) -> dict[str, Any]:
        query = request.json()["query"]
        values = query["values"]
        start, end = at(values["start"]), at(values["end"])
        if end - start > timedelta(minutes=61) and "after_timestamp" in values:
            context.status_code = 504
            self.timeouts += 1
            return TIMEOUT_BODY
        inside = [r for r in self.rows if start <= at(r[3]) < end]
        if "after_timestamp" in values:
            after = (at(values["after_timestamp"]), values["after_uuid"])
            inside = [r for r in inside if (at(r[3]), r[0]) > after]
        limit = int(query["query"].rsplit(" ", 1)[1])
        return {"columns": ROW_COLUMNS, "results": inside[:limit]}


class TestIterWindowPages:
    def test_given_a_page_times_out_when_read_then_the_rest_is_split_and_nothing_repeats(
        self, requests_mock: Any
    ) -> None:
        rows = [render(at("2024-01-01 00:00:00") + timedelta(minutes=10 * i), i) for i in range(12)]
        api = SlowOnWideWindows(rows)
        requests_mock.post(f"{API}/projects/1/query/", json=api)
        window = Bounds("timestamp", T0, T0 + 2 * HOUR)
        pages = iter_window_pages(TableScan(Harness().client, 1, EVENTS_TABLE, 3), window=window, after=None)
        ids = [row[0] for page in pages for row in page.rows]
        assert ids == [uid(i) for i in range(12)]
        assert api.timeouts == 1  # split once at its keyset position, never retried as is

    def test_given_a_minute_window_still_times_out_when_read_then_clear_error(self, requests_mock: Any) -> None:
        requests_mock.post(f"{API}/projects/1/query/", status_code=504, json=TIMEOUT_BODY)
        window = Bounds("timestamp", T0, T0 + MIN_WINDOW)
        with pytest.raises(QueryLimitError, match="even a one-minute window"):
            list(iter_window_pages(TableScan(Harness().client, 1, EVENTS_TABLE, 3), window=window, after=None))
