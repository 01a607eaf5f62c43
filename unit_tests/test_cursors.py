"""The events cursors' state (streams/events/cursors.py): the existing connector's formats parsed, round trip."""

from datetime import UTC, datetime

import pytest

from source_posthog.errors import ConfigError
from source_posthog.streams.events.cursors import FLAT_KEY, Cursor, events_state, parse_events_state

PER_PROJECT = {"1": {"timestamp": "2026-05-01T12:00:00.123000+00:00"}}


class TestEventsState:
    @pytest.mark.parametrize(
        "timestamp",
        [
            "2026-05-01T12:00:00.123000+00:00",
            "2026-05-01T12:00:00+00:00",
            "2026-05-01T12:00:00.123Z",
            "2026-05-01T08:00:00.123-04:00",
        ],
    )
    def test_given_existing_connector_cursor_formats_when_parsed_then_utc(self, timestamp: str) -> None:
        cursors = parse_events_state({"42": {"timestamp": timestamp}})
        assert cursors[42].timestamp.replace(microsecond=0) == datetime(2026, 5, 1, 12, tzinfo=UTC)
        assert cursors[42].uuid is None

    def test_given_flat_and_per_project_when_parsed_then_both_kept(self) -> None:
        cursors = parse_events_state({"timestamp": "2026-01-01T00:00:00+00:00", **PER_PROJECT})
        assert set(cursors) == {FLAT_KEY, 1}

    @pytest.mark.parametrize("raw", [[], {"1": "x"}, {"1": {"timestamp": "not a date"}}, {"1": {}}])
    def test_given_bad_events_state_when_parsed_then_config_error(self, raw: object) -> None:
        with pytest.raises(ConfigError):
            parse_events_state(raw)

    def test_given_cursors_when_serialised_then_round_trip(self) -> None:
        stamp = datetime(2026, 5, 1, 12, 0, 0, 5, tzinfo=UTC)
        cursors = {FLAT_KEY: Cursor(stamp), 7: Cursor(stamp, "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d")}
        saved = events_state(cursors)
        assert saved == {
            "timestamp": "2026-05-01T12:00:00.000005+00:00",
            "7": {"timestamp": "2026-05-01T12:00:00.000005+00:00", "uuid": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d"},
        }
        assert parse_events_state(saved) == cursors
