import io
import json
from typing import Any

from source_posthog.airbyte.messages import Output
from source_posthog.airbyte.progress import Progress
from source_posthog.http.stats import HttpStats


def fake_stats() -> HttpStats:
    return HttpStats(requests=12, retries=2, throttled=1)


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def messages(buffer: io.BytesIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


def statuses(buffer: io.BytesIO) -> list[str]:
    return [m["trace"]["stream_status"]["status"] for m in messages(buffer) if m["type"] == "TRACE"]


def logs(buffer: io.BytesIO) -> list[str]:
    return [m["log"]["message"] for m in messages(buffer) if m["type"] == "LOG"]


def make() -> tuple[Progress, io.BytesIO, Clock]:
    buffer, clock = io.BytesIO(), Clock()
    return Progress(Output(buffer), fake_stats(), interval=30, clock=clock), buffer, clock


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
