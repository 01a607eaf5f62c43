"""The date-bounded reader (session recordings): windows asked with margins, only whole recordings emitted,
offset paging by has_next, and a cursor that stays `open_for` behind the sync."""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
import requests_mock as rm

from source_posthog.errors import QueryLimitError
from source_posthog.streams.dated.recordings import (
    FIRST_WINDOW,
    MAX_WINDOW,
    MIN_WINDOW,
    probe_dated_stream,
    read_dated_stream,
)
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.streams.timestamps import parse_timestamp
from unit_tests.fakes import API, Harness, make_config

STREAM = STREAMS_BY_NAME["session_recordings"]
OPEN_FOR = STREAM.read.open_for
NOW = datetime.now(UTC)
LIST = f"{API}/projects/1/session_recordings/"


class FakeRecordings:
    """Recordings as (id, start): answers PostHog's params, cutting recordings at date_from like its block filter."""

    def __init__(
        self,
        recordings: list[tuple[str, datetime]],
        page: int = 2,
        timeout_span: timedelta | None = None,
        forbid_order_direction: bool = False,
    ) -> None:
        self.recordings = sorted(recordings, key=lambda r: r[1])
        self.page = page
        self.timeout_span, self.forbid_order_direction = timeout_span, forbid_order_direction
        self.asked: list[dict[str, str]] = []

    def __call__(self, request: Any, context: Any) -> dict[str, Any]:
        q = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        self.asked.append(q)
        low, high = parse_timestamp(q["date_from"]), parse_timestamp(q["date_to"])
        if self.forbid_order_direction and "order_direction" in q:
            context.status_code = 400
            detail = "1 validation error for RecordingsQuery order_direction Extra inputs are not permitted"
            return {"type": "validation_error", "code": "invalid_input", "detail": detail, "attr": None}
        if self.timeout_span is not None and high - low > self.timeout_span:
            context.status_code = 429  # PostHog's DRF Throttled for a ClickHouse timeout: no Retry-After
            detail = "Query timeout exceeded. Try again later."
            return {"type": "throttled_error", "code": "throttled", "detail": detail, "attr": None}
        listed = [(rid, max(start, low)) for rid, start in self.recordings if start + timedelta(hours=2) >= low]
        listed = [(rid, start) for rid, start in listed if start <= high]  # a 2 h recording cut at date_from
        offset, limit = int(q["offset"]), min(int(q["limit"]), self.page)
        rows = [{"id": rid, "start_time": start.isoformat()} for rid, start in listed[offset : offset + limit]]
        return {"results": rows, "has_next": offset + limit < len(listed), "version": 4}


def harness(start: datetime) -> Harness:
    return Harness(make_config(start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ")))


def states(h: Harness) -> list[dict[str, Any]]:
    return [m["state"]["stream"]["stream_state"] for m in h.messages() if m["type"] == "STATE"]


class TestReadDated:
    def test_given_recordings_over_weeks_when_read_then_each_once_whole_and_in_its_window(
        self, requests_mock: rm.Mocker
    ) -> None:
        start = NOW - timedelta(days=20)
        recordings = [(f"r{i}", start + timedelta(days=i, hours=23)) for i in range(15)]
        fake = FakeRecordings(recordings)
        requests_mock.get(LIST, json=fake)
        h = harness(start)

        count = read_dated_stream(STREAM, h.sync([{"id": 1}]), "incremental", None)

        delivered = {r["id"]: r["start_time"] for r in h.records("session_recordings")}
        assert count == len(recordings) == len(delivered)
        assert delivered == {rid: at.isoformat() for rid, at in recordings}  # never a cut start time
        windows = {(q["date_from"], q["date_to"]) for q in fake.asked}
        assert len(windows) == 3  # 20 days in weeks (each holds more than a page, so none widens)
        for date_from, date_to in windows:
            assert parse_timestamp(date_to) - parse_timestamp(date_from) <= FIRST_WINDOW + 2 * OPEN_FOR
        assert all(q["order"] == "start_time" and q["order_direction"] == "ASC" for q in fake.asked)

    def test_given_a_finished_read_when_state_inspected_then_cursor_stays_open_for_behind_now(
        self, requests_mock: rm.Mocker
    ) -> None:
        start = NOW - timedelta(days=3)
        requests_mock.get(LIST, json=FakeRecordings([("a", start + timedelta(hours=1))]))
        h = harness(start)

        before = datetime.now(UTC)  # not NOW: the module may be imported minutes before this test runs (xdist)
        read_dated_stream(STREAM, h.sync([{"id": 1}]), "incremental", None)
        after = datetime.now(UTC)

        cursor = parse_timestamp(states(h)[-1]["1"]["start_time"])
        assert before - OPEN_FOR - timedelta(minutes=1) < cursor < after - OPEN_FOR + timedelta(minutes=1)

    def test_given_saved_cursor_when_read_again_then_only_recordings_from_it_are_emitted(
        self, requests_mock: rm.Mocker
    ) -> None:
        start = NOW - timedelta(days=10)
        cursor = NOW - timedelta(days=2)
        recordings = [("old", cursor - timedelta(hours=1)), ("new", cursor + timedelta(hours=1))]
        requests_mock.get(LIST, json=FakeRecordings(recordings))
        h = harness(start)

        read_dated_stream(STREAM, h.sync([{"id": 1}]), "incremental", {"1": {"start_time": cursor.isoformat()}})

        assert [r["id"] for r in h.records("session_recordings")] == ["new"]

    def test_given_no_recordings_for_years_when_read_then_few_requests_none_spanning_the_history(
        self, requests_mock: rm.Mocker
    ) -> None:
        # Was: one limit=1 probe from start_date to now. Issue 22: a request spanning the whole history times
        # out on a busy project, so windows grow over empty history instead (7, 14, 28, ... 364 days).
        fake = FakeRecordings([])
        requests_mock.get(LIST, json=fake)
        h = harness(NOW - timedelta(days=400))

        assert read_dated_stream(STREAM, h.sync([{"id": 1}]), "full_refresh", None) == 0
        assert len(fake.asked) <= 17
        spans = [parse_timestamp(q["date_to"]) - parse_timestamp(q["date_from"]) for q in fake.asked]
        assert max(spans) <= MAX_WINDOW + 2 * OPEN_FOR
        assert states(h)

    def test_given_wide_windows_time_out_when_read_then_halved_down_and_every_recording_once(
        self, requests_mock: rm.Mocker
    ) -> None:
        start = NOW - timedelta(days=10)
        recordings = [(f"r{i}", start + timedelta(hours=7 * i + 3)) for i in range(30)]
        fake = FakeRecordings(recordings, timeout_span=timedelta(hours=72))  # 1 day + 2 x 25 h margins fits
        requests_mock.get(LIST, json=fake)
        h = harness(start)

        count = read_dated_stream(STREAM, h.sync([{"id": 1}]), "incremental", None)

        ids = [r["id"] for r in h.records("session_recordings")]
        assert count == len(ids) == len(set(ids)) == 30
        assert len(fake.asked) < 200  # halved once per width, not retried as is
        assert any("timed out listing session_recordings" in m for m in h.logs())

    def test_given_even_an_hour_times_out_when_read_then_query_limit_error_naming_the_hour(
        self, requests_mock: rm.Mocker
    ) -> None:
        requests_mock.get(LIST, json=FakeRecordings([], timeout_span=timedelta(hours=1)))
        h = harness(NOW - timedelta(days=3))

        with pytest.raises(QueryLimitError, match="even one hour of session_recordings"):
            read_dated_stream(STREAM, h.sync([{"id": 1}]), "incremental", None)
        spans = [
            parse_timestamp(r.qs["date_to"][0]) - parse_timestamp(r.qs["date_from"][0])
            for r in requests_mock.request_history
        ]
        assert min(spans) == MIN_WINDOW + 2 * OPEN_FOR

    def test_given_an_instance_refusing_order_direction_when_read_then_asked_without_it_and_warned_once(
        self, requests_mock: rm.Mocker
    ) -> None:
        start = NOW - timedelta(days=20)
        recordings = [(f"r{i}", start + timedelta(days=i, hours=5)) for i in range(15)]
        fake = FakeRecordings(recordings, forbid_order_direction=True)
        requests_mock.get(LIST, json=fake)
        h = harness(start)

        assert read_dated_stream(STREAM, h.sync([{"id": 1}]), "incremental", None) == 15
        assert sum("order_direction" in q for q in fake.asked) == 1
        assert all(q["order"] == "start_time" for q in fake.asked)
        assert sum("refuses order_direction" in m for m in h.logs()) == 1

    def test_given_probe_when_sent_then_one_record_of_the_last_day(self, requests_mock: rm.Mocker) -> None:
        requests_mock.get(LIST, json={"results": [], "has_next": False})

        probe_dated_stream(STREAM, Harness().sync([{"id": 1}]), 1)

        q = requests_mock.request_history[-1].qs
        assert (q["limit"], q["offset"], q["order_direction"]) == (["1"], ["0"], ["asc"])
        span = parse_timestamp(q["date_to"][0]) - parse_timestamp(q["date_from"][0])
        assert span == timedelta(days=1)


class HeavyRecordings(FakeRecordings):
    """Recordings whose listed rows weigh `weights[id]` bytes more (a long `console_logs`-like field)."""

    def __init__(self, recordings: list[tuple[str, datetime]], weights: dict[str, int]) -> None:
        super().__init__(recordings, page=10_000)
        self.weights = weights

    def __call__(self, request: Any, context: Any) -> dict[str, Any]:
        answer = super().__call__(request, context)
        for row in answer.get("results", []):
            row["blob"] = "x" * self.weights[row["id"]]
        return answer


class TestSizedByBytes:
    def test_given_heavy_recordings_and_a_small_budget_when_read_then_pages_follow_their_weight_and_each_once(
        self, requests_mock: rm.Mocker
    ) -> None:
        start = NOW - timedelta(days=6)
        recordings = [(f"r{i}", start + timedelta(hours=2 + i)) for i in range(100)]
        weights = {rid: 40_000 for rid, _ in recordings} | {"r50": 3_000_000}  # one recording past a page's share
        fake = HeavyRecordings(recordings, weights)
        requests_mock.get(LIST, json=fake)
        h = Harness(make_config(start_date=start.strftime("%Y-%m-%dT%H:%M:%SZ"), max_memory_mb=64))

        count = read_dated_stream(STREAM, h.sync([{"id": 1}]), "incremental", None)

        delivered = [r["id"] for r in h.records("session_recordings")]
        assert count == len(delivered) == len(set(delivered)) == len(recordings)
        limits = [int(q["limit"]) for q in fake.asked]
        assert max(limits) < 100  # ~1.8 MB pages of 40 KB rows, not the stream's 500
        assert (50, 1) in [(int(q["offset"]), int(q["limit"])) for q in fake.asked]  # the heavy one alone
        warnings = [m["log"]["message"] for m in h.messages() if m["type"] == "LOG" and "alone" in m["log"]["message"]]
        assert len(warnings) == 1
        assert warnings[0].startswith("1 session_recordings list row(s)")
