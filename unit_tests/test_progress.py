from typing import Any

import pytest

from source_posthog.http.stats import HttpStats
from source_posthog.sync.progress import Progress, format_duration
from unit_tests.fakes import MemorySink


def fake_stats(pacing_seconds: float = 0.0) -> HttpStats:
    return HttpStats(requests=12, retries=2, throttled=1, pacing_seconds=pacing_seconds)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def messages(buffer: MemorySink) -> list[dict[str, Any]]:
    return buffer.messages


def statuses(buffer: MemorySink) -> list[str]:
    return [m["trace"]["stream_status"]["status"] for m in messages(buffer) if m["type"] == "TRACE"]


def logs(buffer: MemorySink) -> list[str]:
    return [m["log"]["message"] for m in messages(buffer) if m["type"] == "LOG"]


def make(stats: HttpStats | None = None) -> tuple[Progress, MemorySink, Clock]:
    buffer, clock = MemorySink(), Clock()
    return Progress(buffer, stats or fake_stats(), interval=30, clock=clock), buffer, clock


class TestProgress:
    def test_given_pages_when_read_then_started_running_once_complete(self) -> None:
        progress, buffer, _ = make()
        progress.begin("events")
        progress.page("events", 0, "project 1")
        progress.page("events", 10, "project 1")
        progress.page("events", 10, "project 1")
        progress.end("events", 20)
        assert statuses(buffer) == ["STARTED", "RUNNING", "COMPLETE"]
        assert logs(buffer)[-1].startswith("Stream events: 20 records")

    def test_given_many_pages_in_a_minute_when_read_then_at_most_two_progress_lines(self) -> None:
        progress, buffer, clock = make()
        progress.begin("events")
        for _ in range(600):  # one page every 0.1 s for a minute
            clock.now += 0.1
            progress.page("events", 1000, "project 1, window 2026-01-01 → 2026-01-31")
        lines = logs(buffer)
        assert len(lines) == 2
        assert "12 requests, 1 throttled (429), 2 retries" in lines[0]
        assert "window 2026-01-01" in lines[0]

    def test_given_failure_when_ended_then_incomplete_and_warning(self) -> None:
        progress, buffer, _ = make()
        progress.begin("persons")
        progress.page("persons", 5, "project 1")
        progress.end("persons", None)
        assert statuses(buffer) == ["STARTED", "RUNNING", "INCOMPLETE"]
        assert "INCOMPLETE after 5 records" in logs(buffer)[-1]

    def test_finish_totals_every_stream(self) -> None:
        progress, buffer, _ = make()
        for stream, emitted in (("cohorts", 3), ("events", 7)):
            progress.begin(stream)
            progress.end(stream, emitted)
        progress.finish()
        assert logs(buffer)[-1] == "Sync finished: 10 records; 12 requests, 1 throttled (429), 2 retries."

    def test_given_stream_without_records_when_ended_then_still_started_running_complete(self) -> None:
        progress, buffer, _ = make()
        progress.begin("annotations")
        progress.end("annotations", 0)
        assert statuses(buffer) == ["STARTED", "RUNNING", "COMPLETE"]
        assert logs(buffer) == ["Stream annotations: 0 records in 0.0 s (0/s)."]

    def test_given_expected_total_when_progress_logged_then_percentage_rate_time_left_and_rate_limit_wait(
        self,
    ) -> None:
        stats = fake_stats()
        progress, buffer, clock = make(stats)
        progress.begin("events")
        progress.expect("events", 60_000)  # project 1 counted
        progress.expect("events", 40_000)  # project 2 counted
        clock.now, stats.pacing_seconds, stats.throttled_seconds = 30.0, 4.0, 2.5
        progress.page("events", 25_000, "project 2, window 2026-01-01 → 2026-01-31")

        (line,) = logs(buffer)
        assert line == (
            "events: 25,000 of 100,000 expected (25.0%), 833/s, about 2 min left, at project 2, window "
            "2026-01-01 → 2026-01-31; 12 requests, 1 throttled (429), 2 retries, 6.5 s waiting on rate limits."
        )

    def test_given_more_records_than_expected_when_logged_then_capped_at_100_percent(self) -> None:
        progress, buffer, clock = make()
        progress.begin("events")
        progress.expect("events", 10)
        clock.now = 31.0
        progress.page("events", 12, "project 1")
        assert "12 of 10 expected (100.0%), 0/s, about 0 s left" in logs(buffer)[0]

    def test_given_no_expected_total_when_logged_then_records_so_far_and_rate_limit_wait(self) -> None:
        progress, buffer, clock = make(fake_stats(pacing_seconds=61.0))
        progress.begin("persons")
        clock.now = 40.0
        progress.page("persons", 2_000, "project 1")
        assert logs(buffer) == [
            "persons: 2,000 records so far (50/s), at project 1; 12 requests, 1 throttled (429), 2 retries, "
            "61.0 s waiting on rate limits."
        ]

    def test_given_rate_limit_waits_during_a_stream_when_it_ends_then_its_summary_names_its_share(self) -> None:
        stats = fake_stats(pacing_seconds=5.0)
        progress, buffer, clock = make(stats)
        progress.begin("events")
        clock.now, stats.throttled_seconds = 10.0, 3.0
        progress.end("events", 100)
        assert logs(buffer) == ["Stream events: 100 records in 10.0 s (10/s), 3.0 s of it waiting on rate limits."]


class TestFormatDuration:
    @pytest.mark.parametrize(
        ("seconds", "text"),
        [(0, "0 s"), (42.4, "42 s"), (89, "89 s"), (90, "2 min"), (3_000, "50 min"), (11_100, "3 h 05 min")],
    )
    def test_given_seconds_when_formatted_then_readable(self, seconds: float, text: str) -> None:
        assert format_duration(seconds) == text
