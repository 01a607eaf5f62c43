"""Events, complete and exactly once: HogQL keyset pages over windows sized by data, a cursor per project.

Why nothing is lost or read twice: the keyset reader (query/keyset.py) pages on (timestamp, uuid), a total order,
never trusts PostHog's row cap and drops unmerged duplicate rows; where a read starts is reasoned in
start.py; query/planning.py cuts the range into windows that fit PostHog's 10-second query limit and splits
any that still time out; parallel.py reads up to `max_concurrent_queries` windows side by side but hands
their pages over in order. STATE (the last row's (timestamp, uuid)) follows every page, after its records,
so a killed read resumes right after that row and re-delivers at most the page it was writing. The upper
bound is the sync's start time, fixed once; a finished project's cursor and ingestion watermark are that
bound. Before the main read, late.py's sweep delivers events ingested since the previous sync with
older timestamps, through the same planner and page loop. If `/query/` is missing (an instance older than
it), legacy.py reads `/events/` for the rest of the run.
"""

from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from source_posthog.errors import ApiError, Refusal
from source_posthog.streams.context import ReadContext
from source_posthog.streams.events.cursors import STREAM, Checkpoint, Cursor, EventsRead, parse_events_state
from source_posthog.streams.events.filter import EventFilter, warn_if_changed
from source_posthog.streams.events.late import plan_sweep
from source_posthog.streams.events.legacy import LEGACY_TABLE, probe_legacy, read_project_legacy
from source_posthog.streams.events.parallel import iter_in_order
from source_posthog.streams.events.records import write_events
from source_posthog.streams.events.start import StartPoint, start_point
from source_posthog.streams.query.keyset import Page, TableScan
from source_posthog.streams.query.planning import hourly_counts, iter_window_pages, plan_windows
from source_posthog.streams.query.sql import Bounds, Condition, Key, build_query, run_query
from source_posthog.streams.stream import EventsSpec, Stream

Producer = Callable[[], Iterator[Page]]  # one window's pages, fetched when iter_in_order asks


def read_events(stream: Stream[EventsSpec], context: ReadContext, sync_mode: str, stream_state: Any) -> int:
    """Read every project's events from its cursor up to now; return how many records were emitted."""
    # A full refresh re-reads from start_date; it still emits STATE so the next incremental run can use it.
    incoming = parse_events_state(stream_state) if sync_mode == "incremental" and stream_state else {}
    event_filter = EventFilter.of(context.config)
    if incoming:
        warn_if_changed(EventFilter.from_state(stream_state), event_filter, context.sink)
    checkpoint = Checkpoint(context.sink, incoming, event_filter)
    read = EventsRead(context, stream, checkpoint, datetime.now(UTC), event_filter=event_filter)
    count = sum(read_project(read, int(project["id"])) for project in context.projects)
    for table in (stream.read.table.name, LEGACY_TABLE):
        if warning := context.queries.budget.report(table):
            context.sink.log("WARN", warning)  # rows each heavier than a page's memory budget, read alone
    return count


def read_project(read: EventsRead, project_id: int) -> int:
    """One project through /query/, or through /events/ when the instance has no /query/."""
    if not read.legacy:
        try:
            return read_project_query(read, project_id)
        except ApiError as error:
            if error.refusal is not Refusal.ENDPOINT_MISSING:
                raise
            read.legacy = True
            read.context.sink.log(
                "WARN",
                f"POST /query/ is not available on this PostHog instance (HTTP {error.status}); reading events "
                "from the legacy /events/ list for this run (slower: at most 1,000 events per request). The "
                "late-events sweep needs /query/ (it selects by ingestion time) and is skipped: events ingested late "
                "with timestamps before the lookback window are not delivered.",
            )
    return read_project_legacy(read, project_id)


def read_project_query(read: EventsRead, project_id: int) -> int:
    """Emit the project's late events (late.py), then its events from its cursor to the upper bound."""
    cursor = read.checkpoint.cursor(project_id)
    point = start_point(cursor, read.context.config.start, read.lookback)
    # Checkpoints keep the watermark this sync started from; a first read (no cursor) reads everything
    # ingested before its upper bound, so that bound is its watermark from the first page on.
    watermark = read.upper if cursor is None else cursor.ingested_at
    count = 0
    sweep = plan_sweep(read, project_id, cursor, point.start)
    if sweep is not None:
        late = plan_reads(read, project_id, StartPoint(sweep.bounds.start), sweep.bounds.end, sweep.where)
        count += write_pages(read, project_id, late, None)  # no checkpoint: these events are older than it

    def save(timestamp: datetime, uuid: str) -> None:
        read.checkpoint.save(project_id, Cursor(timestamp, uuid, watermark))

    count += write_pages(read, project_id, plan_reads(read, project_id, point, read.upper), save)
    read.checkpoint.save(project_id, Cursor(read.upper, None, read.upper))
    return count


def write_pages(
    read: EventsRead, project_id: int, producers: list[Producer], save: Callable[[datetime, str], None] | None
) -> int:
    """Write the planned pages in order; `save` records each page's last key after its records."""
    context, count = read.context, 0
    for page in iter_in_order(producers, context.config.max_concurrent_queries):
        timestamp, uuid = page.last_key
        count += write_events(page, project_id, context.sink)
        if save is not None:
            save(timestamp, uuid)
        context.progress.page(STREAM, page.count, f"project {project_id}, up to {timestamp:%Y-%m-%d %H:%M} UTC")
        page.release()
    return count


def plan_reads(
    read: EventsRead, project_id: int, point: StartPoint, end: datetime, where: Condition | None = None
) -> list[Producer]:
    """One page producer per planned window of [point, end); the first continues after the saved position.

    `where` defaults to the event-name filter; the sweep passes its own (ingestion time and names).
    """
    context = read.context
    where = where if where is not None else read.event_filter.condition()
    counts = hourly_counts(context.queries, project_id, Bounds("timestamp", point.start, end), where)
    context.progress.expect(STREAM, sum(counts.values()))  # the progress lines' total, percentage and time left
    scan = TableScan(context.queries, project_id, read.stream.read.table, context.config.events_page_rows)
    windows = plan_windows(counts, point.start, end, scan.page_rows, read.step)
    after: Key | None = (point.after.timestamp, point.after.uuid) if point.after else None
    read_window = partial(iter_window_pages, scan, where=where)
    return [partial(read_window, window=window, after=after if i == 0 else None) for i, window in enumerate(windows)]


def probe_events(stream: Stream[EventsSpec], context: ReadContext, project_id: int) -> str | None:
    """One minimal query (check: does the key have query:read?); without /query/, one legacy list request."""
    since = datetime.now(UTC) - timedelta(minutes=1)
    minute = Bounds("timestamp", since, since + timedelta(minutes=1))
    body = build_query(stream.read.table, "source-posthog check", 1, [minute.condition()])
    try:
        run_query(context.queries, project_id, body)
    except ApiError as error:
        if error.refusal is not Refusal.ENDPOINT_MISSING:
            raise
        probe_legacy(context, project_id)
        return (
            f"This instance has no POST /query/ (HTTP {error.status}): events will be read from the legacy "
            "/events/ list (slower, and without the late-events sweep)."
        )
    return None
