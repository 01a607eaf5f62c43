from datetime import UTC, datetime, timedelta

import pytest

from source_posthog.streams.events.cursors import Cursor
from source_posthog.streams.events.start import StartPoint, start_point

T = datetime(2026, 5, 1, 12, tzinfo=UTC)
START = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


class TestStartPoint:
    @pytest.mark.parametrize(
        ("cursor", "expected"),
        [
            (None, StartPoint(START)),
            (Cursor(T), StartPoint(T - HOUR)),
            (Cursor(T, "u"), StartPoint(T, Cursor(T, "u"))),
            (Cursor(START), StartPoint(START)),  # lookback never reaches before start_date
        ],
    )
    def test_given_cursor_when_planned_then_start_and_keyset(self, cursor: Cursor | None, expected: StartPoint) -> None:
        assert start_point(cursor, START, HOUR) == expected
