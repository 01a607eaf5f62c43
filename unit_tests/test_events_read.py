from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from source_posthog.streams.context import ReadContext
from source_posthog.streams.events.read import read_events
from source_posthog.streams.events.records import canonical_timestamp, write_events
from source_posthog.streams.query.keyset import Page
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.sync.progress import Progress
from unit_tests.events_fake_api import CHAIN, FakeEventsApi, at, spread, tie, uid
from unit_tests.fakes import API, Harness, make_config

START = "2024-01-01T00:00:00Z"
DAY0 = at("2024-01-01 00:00:00")


def run_read(harness: Harness, state: Any = None, mode: str = "incremental", projects: int = 1) -> int:
    sync = harness.sync([{"id": i + 1} for i in range(projects)])
    return read_events(STREAMS_BY_NAME["events"], sync, mode, state)


def states(harness: Harness) -> list[dict[str, Any]]:
    return [m["state"]["stream"]["stream_state"] for m in harness.messages() if m["type"] == "STATE"]


def ids(harness: Harness) -> list[str]:
    return [r["id"] for r in harness.records("events")]


def harness_for(**config: Any) -> Harness:
    return Harness(make_config(start_date=START, **config))


class TestCanonicalTimestamp:
    @pytest.mark.parametrize(
        ("cell", "expected"),
        [
            ("2026-05-01T12:00:00.123000Z", "2026-05-01T12:00:00.123000+00:00"),
            ("2026-05-01T12:00:00.123000+00:00", "2026-05-01T12:00:00.123000+00:00"),
            ("2026-05-01T08:00:00.123000-04:00", "2026-05-01T12:00:00.123000+00:00"),
            ("2026-05-01T14:00:00.000001+02:00", "2026-05-01T12:00:00.000001+00:00"),
            ("2026-05-01T12:00:00Z", "2026-05-01T12:00:00.000000+00:00"),
            ("2026-05-01T12:00:00+00:00", "2026-05-01T12:00:00.000000+00:00"),
            ("2026-05-01T12:00:00.5Z", "2026-05-01T12:00:00.500000+00:00"),
        ],
    )
    def test_given_posthog_datetime_when_converted_then_canonical_utc(self, cell: str, expected: str) -> None:
        assert canonical_timestamp(cell) == expected


class RecordingSink:
    def __init__(self) -> None:
        self.records: list[dict[str, Any]] = []

    def record(self, _stream: str, data: dict[str, Any]) -> None:
        self.records.append(data)

    def state(self, _stream: str, _state: dict[str, Any]) -> None:
        raise AssertionError("write_events writes no state")

    def log(self, _level: str, _message: str) -> None:
        raise AssertionError("write_events logs nothing")


def as_page(columns: list[str], cells: list[list[Any]]) -> Page:
    return Page(columns, cells, (), len(cells))  # write_events reads only the rows


class TestWriteEvents:
    def test_given_rows_in_any_column_order_when_written_then_legacy_event_fields(self) -> None:
        api = FakeEventsApi([], tz="America/New_York")
        columns = ["timestamp", "uuid", "properties", "event", "elements_chain", "distinct_id"]
        sink = RecordingSink()
        page = as_page(columns, [api.render(at("2024-07-01 12:00:00.5"), uid(16)), api.render(DAY0, uid(1))])
        assert write_events(page, 9, sink) == 2
        first, second = sink.records
        assert first == {
            "id": uid(16),
            "distinct_id": "user",
            "properties": {"$browser": "Chrome", "n": "0010"},
            "event": "$pageview",
            "timestamp": "2024-07-01T12:00:00.500000+00:00",
            "person": None,
            "elements": [first["elements"][0]],
            "elements_chain": CHAIN,
            "project_id": 9,
        }
        assert first["elements"][0]["text"] == "Pricing"
        assert second["elements"] == []
        assert second["timestamp"] == "2024-01-01T00:00:00.000000+00:00"

    @pytest.mark.parametrize(("cell", "expected"), [({"a": 1}, {"a": 1}), ("", {}), ('{"a": 1}', {"a": 1})])
    def test_given_properties_as_object_or_string_when_written_then_object(self, cell: Any, expected: Any) -> None:
        columns = ["uuid", "event", "distinct_id", "timestamp", "properties", "elements_chain"]
        sink = RecordingSink()
        write_events(as_page(columns, [[uid(1), "e", "d", "2024-01-01T00:00:00.000000Z", cell, ""]]), 1, sink)
        assert sink.records[0]["properties"] == expected


class TestReadEvents:
    def test_given_tie_block_bigger_than_page_across_slices_when_read_then_each_event_once(
        self, requests_mock: Any
    ) -> None:
        rows = [(DAY0, uid(900))]  # exactly at start_date
        rows += tie(at("2024-01-01 23:59:59.999999"), 7, 100) + tie(at("2024-01-02 00:00:00"), 5, 200)
        rows += spread(at("2024-01-03 05:00:00"), 4, timedelta(hours=20), 300)
        api = FakeEventsApi(rows, tz="Asia/Kolkata")
        api.mount(requests_mock)
        harness = harness_for(events_page_size=3, events_time_step=1)
        assert run_read(harness) == len(rows)
        assert sorted(ids(harness)) == sorted(u for _, u in rows)
        assert len(ids(harness)) == len(set(ids(harness)))

    def test_given_pages_when_read_then_state_after_each_page_and_final_upper_bound(self, requests_mock: Any) -> None:
        api = FakeEventsApi(spread(at("2024-01-01 01:00:00"), 7, timedelta(minutes=1)))
        api.mount(requests_mock)
        harness = harness_for(events_page_size=3)
        before = datetime.now(UTC)
        run_read(harness)
        saved = states(harness)
        assert [s["1"].get("uuid") for s in saved] == [uid(2), uid(5), uid(6), None]
        assert before <= datetime.fromisoformat(saved[-1]["1"]["timestamp"]) <= datetime.now(UTC)
        kinds = [m["type"] for m in harness.messages() if m["type"] in ("RECORD", "STATE")]
        assert kinds[:5] == ["RECORD", "RECORD", "RECORD", "STATE", "RECORD"]  # three records, then their STATE

    def test_given_two_projects_when_read_then_each_is_counted_first_for_the_progress_total(
        self, requests_mock: Any
    ) -> None:
        FakeEventsApi(spread(at("2024-01-01 01:00:00"), 7, timedelta(minutes=1))).mount(requests_mock, project_id=1)
        FakeEventsApi(spread(at("2024-02-01 01:00:00"), 5, timedelta(minutes=1))).mount(requests_mock, project_id=2)
        harness = harness_for(events_page_size=3)
        progress = Progress(harness.output, harness.client.stats, interval=0)  # a line per page
        sync = ReadContext(harness.config, harness.client, harness.output, [{"id": 1}, {"id": 2}], progress)

        read_events(STREAMS_BY_NAME["events"], sync, "incremental", None)

        lines = [line for line in harness.logs() if line.startswith("events: ")]
        assert lines[0].startswith("events: 3 of 7 expected (42.9%), ")
        assert lines[-1].startswith("events: 12 of 12 expected (100.0%), ")
        assert all("waiting on rate limits" in line for line in lines)

    def test_given_checkpoint_when_read_then_resumes_strictly_after_it_without_lookback(
        self, requests_mock: Any
    ) -> None:
        rows = tie(at("2024-02-01 00:00:00"), 5, 0)
        FakeEventsApi(rows).mount(requests_mock)
        harness = harness_for()
        run_read(harness, {"1": {"timestamp": "2024-02-01T00:00:00.000000+00:00", "uuid": uid(2)}})
        assert ids(harness) == [uid(3), uid(4)]

    @pytest.mark.parametrize(
        "state",
        [
            {"1": {"timestamp": "2024-02-01T10:00:00.000000+00:00"}},
            {"timestamp": "2024-02-01T10:00:00+00:00"},  # the existing connector's flat form
        ],
    )
    def test_given_finished_cursor_when_read_then_rereads_lookback_inclusive(
        self, requests_mock: Any, state: dict[str, Any]
    ) -> None:
        rows = [(at("2024-02-01 08:59:59.999999"), uid(1)), (at("2024-02-01 09:00:00"), uid(2))]
        rows += [(at("2024-02-01 10:00:00"), uid(3))]
        FakeEventsApi(rows).mount(requests_mock)
        harness = harness_for(events_lookback_minutes=60)
        run_read(harness, state)
        assert ids(harness) == [uid(2), uid(3)]

    def test_given_full_refresh_when_read_then_state_ignored(self, requests_mock: Any) -> None:
        FakeEventsApi([(DAY0, uid(1))]).mount(requests_mock)
        harness = harness_for()
        run_read(harness, {"1": {"timestamp": "2025-01-01T00:00:00+00:00"}}, mode="full_refresh")
        assert ids(harness) == [uid(1)]

    def test_given_empty_project_when_read_then_no_page_query_and_cursor_at_upper(self, requests_mock: Any) -> None:
        api = FakeEventsApi([])
        api.mount(requests_mock)
        harness = harness_for()
        assert run_read(harness) == 0
        assert not [q for q in api.queries if "ORDER BY timestamp ASC, uuid ASC" in q["query"]["query"]]
        assert "uuid" not in states(harness)[-1]["1"]

    def test_given_start_date_newer_than_data_when_read_then_nothing(self, requests_mock: Any) -> None:
        FakeEventsApi([(at("2023-06-01 00:00:00"), uid(1))]).mount(requests_mock)
        harness = harness_for()
        assert run_read(harness) == 0

    def test_given_watermark_when_read_then_late_rows_swept_once_and_older_ones_warned(
        self, requests_mock: Any
    ) -> None:
        now = datetime.now(UTC)
        cursor, watermark = now - timedelta(hours=1), now - timedelta(hours=1)
        late, known = (cursor - timedelta(days=2), uid(1)), (cursor - timedelta(days=2), uid(2))
        too_late = (cursor - timedelta(days=5), uid(3))
        ingested = {uid(1): now - timedelta(minutes=5), uid(3): now - timedelta(minutes=5)}
        ingested[uid(2)] = watermark - timedelta(minutes=31)  # before the margin: the previous sync delivered it
        FakeEventsApi([late, known, too_late], ingested=ingested).mount(requests_mock)
        harness = harness_for()
        state = {"1": {"timestamp": cursor.isoformat(), "ingested_at": watermark.isoformat()}}
        run_read(harness, state)
        assert ids(harness) == [uid(1)]
        warning = next(log for log in harness.logs() if "late-events window" in log)
        assert "Project 1: 1 event(s)" in warning
        assert "reset the events stream" in warning
        final = states(harness)[-1]["1"]
        assert final["ingested_at"] == final["timestamp"]

    def test_given_older_state_with_late_check_when_read_then_no_sweep_and_upgraded(self, requests_mock: Any) -> None:
        now = datetime.now(UTC)
        cursor = now - timedelta(hours=1)
        rows = [(cursor - timedelta(days=2), uid(1)), (cursor, uid(2))]
        FakeEventsApi(rows, ingested={uid(1): now}).mount(requests_mock)
        check = {"from": "2024-01-01T00:00:00+00:00", "to": cursor.isoformat(), "count": 1}
        harness = harness_for()
        run_read(harness, {"1": {"timestamp": cursor.isoformat(), "late_check": check}})
        assert ids(harness) == [uid(2)]  # as before the sweep existed: from the lookback window on
        final = states(harness)[-1]["1"]
        assert "late_check" not in final
        assert final["ingested_at"] == final["timestamp"]

    def test_given_late_events_days_zero_when_read_then_no_sweep_but_late_rows_warned(self, requests_mock: Any) -> None:
        now = datetime.now(UTC)
        cursor = now - timedelta(hours=1)
        FakeEventsApi([(cursor - timedelta(days=2), uid(1))], ingested={uid(1): now}).mount(requests_mock)
        harness = harness_for(late_events_days=0)
        run_read(harness, {"1": {"timestamp": cursor.isoformat(), "ingested_at": cursor.isoformat()}})
        assert ids(harness) == []
        assert any("Project 1: 1 event(s)" in log for log in harness.logs())

    @pytest.mark.parametrize("status", [404, 405])
    def test_given_no_query_endpoint_when_read_then_legacy_list_used(self, requests_mock: Any, status: int) -> None:
        api = FakeEventsApi(spread(at("2024-03-01 00:00:00"), 4, timedelta(seconds=1)))
        api.mount(requests_mock)
        requests_mock.post(f"{API}/projects/1/query/", status_code=status, json={"detail": "Endpoint not found."})
        harness = harness_for()
        assert run_read(harness) == 4
        assert any("legacy /events/" in log for log in harness.logs())

    def test_given_query_404_after_a_success_when_read_then_error(self, requests_mock: Any) -> None:
        from source_posthog.errors import ApiError

        FakeEventsApi([(DAY0, uid(1))]).mount(requests_mock, 1)
        requests_mock.post(f"{API}/projects/2/query/", status_code=404, json={"detail": "Not found."})
        with pytest.raises(ApiError):
            run_read(harness_for(), projects=2)
