"""Progress a data engineer can follow: STREAM_STATUS traces, periodic LOG lines, one summary per stream.

Long reads log at most one progress line per `interval` seconds (records so far, rate, requests,
429s, retries), so a multi-hour backfill shows life without flooding the log.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from source_posthog.airbyte.messages import Output
from source_posthog.http.stats import HttpStats

PROGRESS_INTERVAL_SECONDS = 30.0


@dataclass
class _StreamCounters:
    started: float
    records: int = 0
    running: bool = False


class Progress:
    """Tracks records per stream and tells the user how the read goes."""

    def __init__(
        self,
        output: Output,
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
        self._streams[stream] = _StreamCounters(self._clock())
        self._output.stream_status(stream, "STARTED")

    def page(self, stream: str, records: int, where: str) -> None:
        """A page of `records` was read at `where` (e.g. "project 2, window 2026-01-01 → 2026-01-31")."""
        counters = self._streams.setdefault(stream, _StreamCounters(self._clock()))
        counters.records += records
        if not counters.running and counters.records:
            counters.running = True
            self._output.stream_status(stream, "RUNNING")
        now = self._clock()
        if now - self._last_log >= self._interval:
            self._last_log = now
            self._output.log(
                "INFO",
                f"{stream}: {counters.records:,} records so far ({self._rate(counters):,.0f}/s), "
                f"at {where}; {self._requests()}.",
            )

    def end(self, stream: str, emitted: int | None) -> None:
        """A stream ends: COMPLETE with its one-line summary, or INCOMPLETE when `emitted` is None."""
        counters = self._streams[stream]
        if emitted is None:
            self._output.stream_status(stream, "INCOMPLETE")
            self._output.log("WARN", f"Stream {stream} INCOMPLETE after {counters.records:,} records read.")
            return
        counters.records = emitted  # what was emitted, after deduplication
        self._output.stream_status(stream, "COMPLETE")
        self._output.log(
            "INFO",
            f"Stream {stream}: {emitted:,} records in {self._clock() - counters.started:.1f} s "
            f"({self._rate(counters):,.0f}/s).",
        )

    def finish(self) -> None:
        """The whole read ends: totals."""
        total = sum(c.records for c in self._streams.values())
        self._output.log("INFO", f"Sync finished: {total:,} records; {self._requests()}.")

    def _rate(self, counters: _StreamCounters) -> float:
        return counters.records / max(self._clock() - counters.started, 1e-9)

    def _requests(self) -> str:
        stats = self._stats
        return f"{stats.requests} requests, {stats.throttled} throttled (429), {stats.retries} retries"
