"""Report events ingested after a sync whose timestamps are older than the lookback window.

The next sync starts at cursor - lookback, so such events are never read; the honest thing is to say so.
Before reading a project, a sync counts the events in a guard range [U - lookback - GUARD, U - lookback)
(U = its upper bound): the part of history the next sync will not re-read. The count is saved in the
project's state. The next sync counts the same range again; an increase means events arrived late with
older timestamps, and a LOG warning names the range and the number. Cost: two `count()` queries per
project and sync. Limits, stated in the warning and the README: late events older than GUARD go unseen,
deletions in the range can mask additions, and an old event ingested while the previous sync was still
reading that range may be reported although it was delivered ("up to N").
"""

from datetime import datetime, timedelta

from source_posthog.errors import ApiError, QueryLimitError
from source_posthog.streams.cursors import EventsRead, LateCheck
from source_posthog.streams.hogql import Bounds, select_one_row
from source_posthog.streams.timestamps import format_timestamp

GUARD = timedelta(days=7)  # a week covers offline mobile SDKs flushing late; older lag is rare and unchecked


def count_events(read: EventsRead, project_id: int, start: datetime, end: datetime) -> int:
    """How many events the project holds in [start, end) right now (those the sync's event filter reads)."""
    bounds = Bounds("timestamp", start, end)
    where = read.event_filter.condition()
    (count,) = select_one_row(
        read.sync.client, project_id, "count() FROM events", bounds, name="source-posthog late events", where=where
    )
    return int(count)


def check_late_events(read: EventsRead, project_id: int, previous: LateCheck | None) -> LateCheck | None:
    """Warn if the previous sync's guard range grew; return this sync's guard count (None if not checkable)."""
    try:
        if previous is not None:
            _compare(read, project_id, previous)
        end = read.upper - read.lookback
        start = max(read.sync.config.start, end - GUARD)
        if start >= end:
            return None
        return LateCheck(start, end, count_events(read, project_id, start, end))
    except (ApiError, QueryLimitError) as error:
        if isinstance(error, ApiError) and error.status != 400:
            raise  # 404/405 mean /query/ is missing: the caller falls back to /events/
        # Advisory only: a count PostHog cannot answer in time must not stop the read itself.
        read.sync.sink.log("WARN", f"Project {project_id}: cannot check for late events ({error.message}).")
        return None


def _compare(read: EventsRead, project_id: int, previous: LateCheck) -> None:
    now = count_events(read, project_id, previous.start, previous.end)
    if now > previous.count:
        read.sync.sink.log(
            "WARN",
            f"Project {project_id}: up to {now - previous.count} event(s) with timestamps between "
            f"{format_timestamp(previous.start)} and {format_timestamp(previous.end)} were ingested after the "
            f"previous sync, older than the {read.sync.config.events_lookback_minutes}-minute lookback window, and "
            "are not delivered. Raise events_lookback_minutes, or reset the events stream to re-read them.",
        )
