"""Events, complete and exactly once: HogQL keyset pages over time windows, a cursor per project.

Why nothing is lost or read twice: the keyset reader (hogql.py) pages on (timestamp, uuid), a total order,
and never trusts PostHog's row cap; windows and cursors are reasoned in windows.py. STATE (the last row's
(timestamp, uuid)) follows every page, after its records, so a killed read resumes right after that row
and re-delivers at most the page it was writing. The upper bound is the sync's start time, fixed once; a
finished project's cursor is that bound. If `/query/` is missing (an instance older than it),
events_legacy.py reads `/events/` for the rest of the run.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from source_posthog.errors import ApiError, Refusal
from source_posthog.streams.context import Sync
from source_posthog.streams.cursors import STREAM, Checkpoint, Cursor, EventsRead, LateCheck, parse_events_state
from source_posthog.streams.event_filter import EventFilter, warn_if_changed
from source_posthog.streams.event_records import write_events
from source_posthog.streams.events_legacy import read_project_legacy
from source_posthog.streams.hogql import Bounds, Key, build_query, iter_rows, run_query, select_one_row
from source_posthog.streams.late_events import check_late_events
from source_posthog.streams.table import Stream
from source_posthog.streams.timestamps import parse_timestamp
from source_posthog.streams.windows import iter_slices, start_point

FIRST_EVENT_MARGIN = timedelta(days=1)


def read_events(stream: Stream, sync: Sync, sync_mode: str, stream_state: Any) -> int:
    """Read every project's events from its cursor up to now; return how many records were emitted."""
    # A full refresh re-reads from start_date; it still emits STATE so the next incremental run can use it.
    incoming = parse_events_state(stream_state) if sync_mode == "incremental" and stream_state else {}
    event_filter = EventFilter.of(sync.config)
    if incoming:
        warn_if_changed(EventFilter.from_state(stream_state), event_filter, sync.sink)
    checkpoint = Checkpoint(sync.sink, incoming, event_filter)
    read = EventsRead(sync, stream, checkpoint, datetime.now(UTC), event_filter=event_filter)
    return sum(read_project(read, int(project["id"])) for project in sync.projects)


def read_project(read: EventsRead, project_id: int) -> int:
    """One project through /query/, or through /events/ when the instance has no /query/."""
    if not read.legacy:
        try:
            return read_project_query(read, project_id)
        except ApiError as error:
            if error.refusal is not Refusal.ENDPOINT_MISSING:
                raise
            read.legacy = True
            read.sync.sink.log(
                "WARN",
                f"POST /query/ is not available on this PostHog instance (HTTP {error.status}); reading events "
                "from the legacy /events/ list for this run (slower: at most 1,000 events per request).",
            )
    return read_project_legacy(read, project_id)


def read_project_query(read: EventsRead, project_id: int) -> int:
    """Emit the project's events from its cursor to the upper bound; checkpoint every page."""
    cursor = read.checkpoint.cursor(project_id)
    late_check = check_late_events(read, project_id, cursor.late_check if cursor else None)
    point = start_point(cursor, read.sync.config.start, read.lookback)
    first = find_first_event(read, project_id, point.start)
    after: Key | None = (point.after.timestamp, point.after.uuid) if point.after else None
    # A day of margin: a datetime cell misread by a timezone offset (<= 14 h) can never skip an event.
    skip_to = read.upper if first is None else first - FIRST_EVENT_MARGIN
    count = 0
    for start, end in iter_slices(max(point.start, skip_to), read.upper, read.step):
        count += read_window(read, project_id, Bounds("timestamp", start, end), after, late_check)
        after = None  # the next window starts past every row read so far
    read.checkpoint.save(project_id, Cursor(read.upper, None, late_check))
    return count


def read_window(read: EventsRead, project_id: int, window: Bounds, after: Key | None, late: LateCheck | None) -> int:
    """Emit the window's events after `after`; a STATE follows each page's records."""
    sync = read.sync
    where = f"project {project_id}, window {window.start:%Y-%m-%d} → {window.end:%Y-%m-%d}"

    def save(rows: int, last: Key) -> None:
        read.checkpoint.save(project_id, Cursor(last[0], last[1], late))
        sync.progress.page(STREAM, rows, where)

    table, page_size = read.stream.hogql_table, sync.config.events_page_size
    names = read.event_filter.condition()
    rows = iter_rows(sync.client, project_id, table, page_size, bounds=window, after=after, where=names, on_page=save)
    return write_events(rows, project_id, sync.sink)


def find_first_event(read: EventsRead, project_id: int, start: datetime) -> datetime | None:
    """The earliest event timestamp in [start, upper), None if there is none: empty windows are then skipped.

    Without this a start_date years before the first event costs one empty query per window.
    """
    bounds = Bounds("timestamp", start, read.upper)
    count, first = select_one_row(
        read.sync.client,
        project_id,
        "count(), min(timestamp) FROM events",
        bounds,
        name="source-posthog first event",
        where=read.event_filter.condition(),
    )
    return parse_timestamp(first) if count and first else None


def probe_events(stream: Stream, sync: Sync, project_id: int) -> None:
    """One minimal query (check: does the key have query:read?)."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    body = build_query(
        stream.hogql_table, "source-posthog check", 1, Bounds("timestamp", since, since + timedelta(minutes=1))
    )
    run_query(sync.client, project_id, body)
