"""Progress a data engineer can follow (either protocol): stream status, periodic log lines, one summary per stream.

Every stream is framed by STARTED, RUNNING and COMPLETE (or INCOMPLETE), even one with no records. Long reads
log at most one progress line per `interval` seconds: records so far and, when the reader announced how many to
expect (events count each project first), the percentage and the time left; the rate; where; and the requests,
429s, retries and time spent waiting on rate limits, so a slow backfill shows whether PostHog's limits are why.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal, Protocol

from source_posthog.http.stats import HttpStats

StreamStatus = Literal["STARTED", "RUNNING", "COMPLETE", "INCOMPLETE"]


class StatusWriter(Protocol):
    """Where progress goes: the Airbyte writer emits STREAM_STATUS traces and LOG messages; Singer logs to stderr."""

    def stream_status(self, stream: str, status: StreamStatus) -> None:
        """A stream started, is running, completed or stopped incomplete."""

    def log(self, level: str, message: str) -> None:
        """Tell the user something."""


PROGRESS_INTERVAL_SECONDS = 30.0


@dataclass
class _StreamCounters:
    started: float
    waited_before: float
    """The sync's rate-limit waiting when the stream began: the stream's own share is the difference."""
    records: int = 0
    expected: int | None = None
    running: bool = False


def format_duration(seconds: float) -> str:
    """Seconds as a person reads them: 42 s, 12 min, 3 h 05 min."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    minutes = round(seconds / 60)
    return f"{minutes} min" if minutes < 90 else f"{minutes // 60} h {minutes % 60:02d} min"


class Progress:
    """Tracks records per stream and tells the user how the read goes."""

    def __init__(
        self,
        output: StatusWriter,
        stats: HttpStats,
        interval: float = PROGRESS_INTERVAL_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._output = output
        self._stats = stats
        self._interval = interval
        self._clock = clock
        self._streams: dict[str, _StreamCounters] = {}
        self._last_log = clock()

    def begin(self, stream: str) -> None:
        """A stream starts: STARTED trace."""
        self._streams[stream] = self._new_counters()
        self._output.stream_status(stream, "STARTED")

    def expect(self, stream: str, records: int) -> None:
        """`records` more records of `stream` are expected (a reader counted a part, e.g. one project, first)."""
        counters = self._streams.setdefault(stream, self._new_counters())
        counters.expected = (counters.expected or 0) + records

    def page(self, stream: str, records: int, where: str) -> None:
        """A page of `records` was read at `where` (e.g. "project 2, window 2026-01-01 → 2026-01-31")."""
        counters = self._streams.setdefault(stream, self._new_counters())
        counters.records += records
        if counters.records:
            self._mark_running(stream, counters)
        now = self._clock()
        if now - self._last_log >= self._interval:
            self._last_log = now
            self._output.log(
                "INFO",
                f"{stream}: {self._how_far(counters)}, at {where}; {self._requests()}, "
                f"{self._stats.rate_limit_seconds:.1f} s waiting on rate limits.",
            )

    def end(self, stream: str, emitted: int | None) -> None:
        """A stream ends: COMPLETE with its one-line summary, or INCOMPLETE when `emitted` is None."""
        counters = self._streams[stream]
        self._mark_running(stream, counters)  # a stream with no records still shows it ran
        if emitted is None:
            self._output.stream_status(stream, "INCOMPLETE")
            self._output.log("WARN", f"Stream {stream} INCOMPLETE after {counters.records:,} records read.")
            return
        counters.records = emitted  # what was emitted, after deduplication
        self._output.stream_status(stream, "COMPLETE")
        waited = self._stats.rate_limit_seconds - counters.waited_before
        self._output.log(
            "INFO",
            f"Stream {stream}: {emitted:,} records in {self._clock() - counters.started:.1f} s "
            f"({self._rate(counters):,.0f}/s)" + (f", {waited:.1f} s of it waiting on rate limits." if waited else "."),
        )

    def finish(self) -> None:
        """The whole read ends: totals."""
        total = sum(c.records for c in self._streams.values())
        waited = self._stats.rate_limit_seconds
        self._output.log(
            "INFO",
            f"Sync finished: {total:,} records; {self._requests()}"
            + (f", {waited:.1f} s waiting on rate limits." if waited else "."),
        )

    def _new_counters(self) -> _StreamCounters:
        return _StreamCounters(self._clock(), self._stats.rate_limit_seconds)

    def _mark_running(self, stream: str, counters: _StreamCounters) -> None:
        if not counters.running:
            counters.running = True
            self._output.stream_status(stream, "RUNNING")

    def _how_far(self, counters: _StreamCounters) -> str:
        """How far the stream is: `1,200 of 10,000 expected (12.0%), 400/s, about 22 s left` when a total is known."""
        rate = self._rate(counters)
        if not counters.expected:
            return f"{counters.records:,} records so far ({rate:,.0f}/s)"
        share = min(counters.records / counters.expected, 1.0)
        left = max(counters.expected - counters.records, 0) / max(rate, 1e-9)
        return (
            f"{counters.records:,} of {counters.expected:,} expected ({share:.1%}), {rate:,.0f}/s, "
            f"about {format_duration(left)} left"
        )

    def _rate(self, counters: _StreamCounters) -> float:
        return counters.records / max(self._clock() - counters.started, 1e-9)

    def _requests(self) -> str:
        stats = self._stats
        return f"{stats.requests} requests, {stats.throttled} throttled (429), {stats.retries} retries"
