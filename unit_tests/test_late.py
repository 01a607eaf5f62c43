"""late_events: the sweep's range and ingestion condition, and when there is no sweep at all."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from source_posthog.streams.events.cursors import Checkpoint, Cursor, EventsRead
from source_posthog.streams.events.late import MARGIN, ingested_since, plan_sweep
from source_posthog.streams.table import STREAMS_BY_NAME
from unit_tests.events_fake_api import FakeEventsApi
from unit_tests.fakes import Harness, make_config

NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)
WATERMARK = NOW - timedelta(hours=6)


def events_read(**config: Any) -> EventsRead:
    harness = Harness(make_config(start_date="2026-05-30T00:00:00Z", **config))
    sync = harness.sync([{"id": 1}])
    return EventsRead(sync, STREAMS_BY_NAME["events"], Checkpoint(sync.sink, {}), NOW)


class TestIngestedSince:
    def test_given_watermark_when_condition_built_then_margin_before_it_as_utc_placeholder(self) -> None:
        sql, values = ingested_since(WATERMARK)
        assert sql == "created_at >= toDateTime64({ingested_since}, 6, 'UTC')"
        assert values == {"ingested_since": "2026-06-01 05:30:00.000000"}
        assert timedelta(minutes=30) == MARGIN


class TestPlanSweep:
    @pytest.mark.parametrize("cursor", [None, Cursor(WATERMARK)], ids=["first sync", "older state"])
    def test_given_no_watermark_when_planned_then_no_sweep_and_no_query(
        self, requests_mock: Any, cursor: Cursor | None
    ) -> None:
        assert plan_sweep(events_read(), 1, cursor, WATERMARK - timedelta(hours=1)) is None
        assert not requests_mock.request_history

    def test_given_watermark_when_planned_then_days_before_start_clamped_to_start_date(
        self, requests_mock: Any
    ) -> None:
        FakeEventsApi([]).mount(requests_mock)
        start = WATERMARK - timedelta(hours=1)
        sweep = plan_sweep(events_read(), 1, Cursor(WATERMARK, None, WATERMARK), start)
        assert sweep is not None
        assert (sweep.bounds.start, sweep.bounds.end) == (datetime(2026, 5, 30, tzinfo=UTC), start)
        assert sweep.where[1]["ingested_since"] == "2026-06-01 05:30:00.000000"

    def test_given_late_events_days_zero_when_planned_then_no_sweep_but_too_late_counted(
        self, requests_mock: Any
    ) -> None:
        api = FakeEventsApi([])
        api.mount(requests_mock)
        start = WATERMARK - timedelta(hours=1)
        assert plan_sweep(events_read(late_events_days=0), 1, Cursor(WATERMARK, None, WATERMARK), start) is None
        (query,) = api.queries
        assert query["query"]["query"].startswith("SELECT count(), min(timestamp), max(timestamp)")
        assert query["query"]["values"]["end"] == "2026-06-01 05:00:00.000000"
