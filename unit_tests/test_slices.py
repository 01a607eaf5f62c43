"""Slicing a time range into half-open, contiguous slices (streams/slices.py)."""

import itertools
from datetime import UTC, datetime, timedelta

import pytest

from source_posthog.streams.slices import iter_slices

T = datetime(2026, 5, 1, 12, tzinfo=UTC)
START = datetime(2026, 1, 1, tzinfo=UTC)
HOUR = timedelta(hours=1)


class TestIterSlices:
    def test_given_range_when_sliced_then_half_open_contiguous_ending_at_upper(self) -> None:
        upper = START + timedelta(days=2, hours=5)
        slices = list(iter_slices(START, upper, timedelta(days=1)))
        assert slices[0][0] == START
        assert slices[-1][1] == upper
        assert all(a[1] == b[0] for a, b in itertools.pairwise(slices))
        assert len(slices) == 3

    @pytest.mark.parametrize("start", [T, T + HOUR])
    def test_given_start_at_or_after_upper_when_sliced_then_nothing(self, start: datetime) -> None:
        assert list(iter_slices(start, T, HOUR)) == []
