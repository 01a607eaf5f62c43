"""Events, complete and exactly once: `POST /query/` (HogQL) with keyset pagination on (timestamp, uuid).

Why nothing is lost or read twice (slice boundaries and cursors: see windows.py):
- Rows come `ORDER BY timestamp ASC, uuid ASC`, a total order, and the next page asks for rows strictly
  after the last row's (timestamp, uuid) — both compared as their own types (DateTime64, UUID), exactly
  as ORDER BY compares them, since ClickHouse UUID order is not string order. A block of thousands of
  equal timestamps is split by uuid, never skipped or repeated. No OFFSET (rejected for API keys).
- Literals are explicit UTC `toDateTime64(.., 6, 'UTC')` placeholders (bare ones are project-local).
- `LIMIT` is the page size (<= 50,000, PostHog's silent cap): a full page means "maybe more" and is
  followed by another query; a shorter one ends the slice.
- STATE (the last row's (timestamp, uuid)) follows every page, after its records: a killed read resumes
  right after that row and re-delivers at most the page it was writing.
- The upper bound is the sync's start time, fixed once; a finished project's cursor is that bound.
If `/query/` answers 404/405 before any query succeeded, the instance lacks it: events_legacy.py reads
`/events/` for the rest of the run.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from source_posthog.catalog import ConfiguredStream
from source_posthog.client import ApiClient
from source_posthog.errors import ApiError
from source_posthog.event_rows import COLUMNS, column_indexes, iter_records
from source_posthog.events_legacy import read_project_legacy
from source_posthog.events_run import STREAM, Checkpoint, EventsRun
from source_posthog.late_events import check_late_events
from source_posthog.ratelimit import EndpointClass
from source_posthog.state import Cursor, LateCheck, parse_events_state
from source_posthog.streams import SyncContext
from source_posthog.timestamps import hogql_literal, parse_timestamp
from source_posthog.windows import RANGE_SQL, hogql_body, iter_slices, range_values, start_point

AFTER = (
    "(timestamp > toDateTime64({after_ts}, 6, 'UTC')"
    " OR (timestamp = toDateTime64({after_ts}, 6, 'UTC') AND uuid > toUUID({after_uuid})))"
)
FIRST_EVENT_SQL = "SELECT count(), min(timestamp) FROM events WHERE " + RANGE_SQL  # noqa: S608 - constants only
FIRST_EVENT_MARGIN = timedelta(days=1)
MISSING_ENDPOINT = frozenset({404, 405})  # POST /query/ unknown or not allowed: an instance without it


def build_query(start: datetime, end: datetime, after: Cursor | None, limit: int) -> dict[str, Any]:
    """The /query/ body for one page: rows in [start, end) after `after`, oldest first, ties by uuid."""
    where = RANGE_SQL
    values = range_values(start, end)
    if after is not None and after.uuid is not None:
        where += " AND " + AFTER
        values |= {"after_ts": hogql_literal(after.timestamp), "after_uuid": after.uuid}
    # Only constants and an int are formatted in; every value travels as a typed HogQL placeholder.
    sql = f"SELECT {', '.join(COLUMNS)} FROM events WHERE {where} ORDER BY timestamp ASC, uuid ASC LIMIT {limit}"  # noqa: S608
    return hogql_body(sql, values, "source-posthog events")


def probe_query(client: ApiClient, project_id: int, since: datetime) -> Any:
    """One minimal query, used by `check` to prove the key has query:read."""
    body = build_query(since, since + timedelta(minutes=1), None, 1)
    return client.post_json(f"projects/{project_id}/query/", body, EndpointClass.QUERY)


def fetch_page(run: EventsRun, project_id: int, start: datetime, end: datetime, after: Cursor | None) -> dict[str, Any]:
    """One page of the slice [start, end) strictly after `after` (the only network call of the hot loop)."""
    return run.query(project_id, build_query(start, end, after, run.config.events_page_size))


def emit_page(
    run: EventsRun, project_id: int, page: dict[str, Any], late_check: LateCheck | None
) -> tuple[int, Cursor | None]:
    """Write one page's records; return its row count and the cursor after its last row (None if empty)."""
    indexes = column_indexes(page)
    rows = page["results"]
    for record in iter_records(rows, indexes, project_id):
        run.output.record(STREAM, record)
    if not rows:
        return 0, None
    last = rows[-1]
    return len(rows), Cursor(parse_timestamp(last[indexes[3]]), last[indexes[0]], late_check)


def find_first_event(run: EventsRun, project_id: int, start: datetime) -> datetime | None:
    """The earliest event timestamp in [start, upper), None if there is none: empty slices are then skipped.

    Without this a start_date years before the first event costs one empty query per slice.
    """
    body = hogql_body(FIRST_EVENT_SQL, range_values(start, run.upper), "source-posthog first event")
    count, first = run.query(project_id, body)["results"][0]
    return parse_timestamp(first) if count and first else None


def read_events(configured: ConfiguredStream, ctx: SyncContext, stream_state: Any) -> int:
    """Read every project's events from its cursor up to now; return how many records were emitted."""
    # A full refresh re-reads from start_date; it still emits STATE so the next incremental run can use it.
    incoming = parse_events_state(stream_state) if configured.sync_mode == "incremental" and stream_state else {}
    run = EventsRun(
        ctx.config, ctx.client, ctx.output, Checkpoint(ctx.output, incoming), datetime.now(UTC), ctx.progress
    )
    total = 0
    for project in ctx.projects:
        total += read_project(run, int(project["id"]))
    return total


def read_project(run: EventsRun, project_id: int) -> int:
    """One project through /query/, or through /events/ when the instance has no /query/."""
    if not run.legacy:
        try:
            return read_project_query(run, project_id)
        except ApiError as error:
            if error.status not in MISSING_ENDPOINT or run.query_answered:
                raise
            run.legacy = True
            run.output.log(
                "WARN",
                f"POST /query/ is not available on this PostHog instance (HTTP {error.status}); reading events "
                "from the legacy /events/ list for this run (slower: at most 1,000 events per request).",
            )
    return read_project_legacy(run, project_id)


def read_project_query(run: EventsRun, project_id: int) -> int:
    """Emit the project's events from its cursor to the upper bound; checkpoint every page."""
    cursor = run.checkpoint.cursor(project_id)
    late_check = check_late_events(run, project_id, cursor.late_check if cursor else None)
    point = start_point(cursor, run.config.start, run.lookback)
    first = find_first_event(run, project_id, point.start)
    after, count = point.after, 0
    # A day of margin: a datetime cell misread by a timezone offset (<= 14 h) can never skip an event.
    skip_to = run.upper if first is None else first - FIRST_EVENT_MARGIN
    for start, end in iter_slices(max(point.start, skip_to), run.upper, run.step):
        while True:
            # The page is passed straight in, never named here: it is freed before the next one is fetched.
            rows, last = emit_page(run, project_id, fetch_page(run, project_id, start, end, after), late_check)
            run.progress.page(STREAM, rows, f"project {project_id}, window {start:%Y-%m-%d} → {end:%Y-%m-%d}")
            if last is None:
                break
            after = last
            run.checkpoint.save(project_id, after)
            count += rows
            if rows < run.config.events_page_size:
                break
        after = None  # the next slice starts past every row read so far
    run.checkpoint.save(project_id, Cursor(run.upper, None, late_check))
    return count
