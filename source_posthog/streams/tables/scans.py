"""One project's rows of a HogQL table stream, in full (key order) or from a cursor (cursor order).

- Full refresh: keyset pages over the table's key; persons and person_distinct_ids bounded on both sides by
  their stored table (query/bounded.py), so no page reads the rest of the table. A page PostHog cannot
  finish within its query limits (QueryLimitError) is asked again from the same key with half the rows,
  down to MIN_PAGE_SIZE: the rows ClickHouse aggregates for a keyset page grow with the page.
- Groups (incremental on `updated_at`): key order, bounded by `raw_groups`, each page filtered by the window
  in its HAVING (`CursorRead.read_by_key`: `updated_at` is an aggregate, nothing in the sort key narrows it).
- Incremental sessions (on their start): rows in (cursor, key) order, from the saved
  cursor less `open_for` on; sessions in windows planned from the events' hourly counts (planning.py: one
  cheap query per year of range, empty history skipped), since every session starts at one of its events.
  planning.iter_window_pages splits a window that times out. After each page the project's cursor becomes
  the last row's cursor value, so a kill loses nothing: the next read starts `open_for` before it and
  re-delivers at most that much (downstream deduplicates on the primary key). The sync's start time bounds
  the read; later rows are the next sync's.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from source_posthog.errors import QueryLimitError
from source_posthog.streams.context import ReadContext
from source_posthog.streams.cursor_state import dated_state
from source_posthog.streams.query.bounded import iter_bounded_pages
from source_posthog.streams.query.keyset import Page, TableScan, iter_key_pages
from source_posthog.streams.query.planning import DENSITY_SPAN, hourly_counts, iter_window_pages, plan_windows
from source_posthog.streams.query.sql import Bounds, HogQLTable, Key, KeyColumn, KeyType
from source_posthog.streams.stream import CustomSpec, Stream, TableSpec
from source_posthog.streams.tables import raw_pages
from source_posthog.streams.tables.persons import Shaper, plain, shaper
from source_posthog.streams.timestamps import parse_timestamp

MIN_PAGE_SIZE = 100  # below this, a page that still times out is PostHog's problem, not the page size's
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
# A window of at most this many events holds at most as many sessions: each page query of the window
# aggregates them all, which ClickHouse does well within PostHog's 10 s at this size.
WINDOW_EVENTS = 200_000
Cursors = dict[int, datetime]


def page_rows(stream: Stream[TableSpec] | Stream[CustomSpec], context: ReadContext) -> int:
    """The row's rows per page, lowered to `events_page_size` when the user set one (memory, or smaller queries)."""
    configured = context.config.events_page_size
    return min(stream.read.page_rows, configured) if configured else stream.read.page_rows


def read_all_rows(stream: Stream[TableSpec], context: ReadContext, project_id: int) -> int:
    """Every row of the stream's tables for one project, as records; returns how many."""
    emitted = 0
    for table in (stream.read.table, *stream.read.more_tables):
        scan = TableScan(context.queries, project_id, table, page_rows(stream, context))
        with shaper(stream.read.shape, dict(stream.read.rename), scan) as shape:
            for page in iter_bounded_pages(scan) if table.raw else iter_shrinking_pages(scan):
                emitted += write_page(stream, context, project_id, page, shape)
    return emitted


def iter_shrinking_pages(scan: TableScan) -> Iterator[Page]:
    """The table's pages in key order; after a page that hits a query limit, pages of half the rows."""
    after: Key | None = None
    while True:
        try:
            for page in iter_key_pages(scan, after=after):
                after = page.last_key
                yield page
            return
        except QueryLimitError as error:
            if scan.page_rows <= MIN_PAGE_SIZE:
                raise QueryLimitError(
                    f"Project {scan.project_id}: even {scan.page_rows} rows of {scan.table.name} are more than "
                    f"PostHog answers within its query limits. {error.message}"
                ) from None
            scan = replace(scan, page_rows=scan.page_rows // 2)


@dataclass
class CursorRead:
    """One sync of an incremental HogQL stream: its cursors, and the upper bound fixed at its start."""

    stream: Stream[TableSpec]
    context: ReadContext
    cursors: Cursors
    checkpoint: bool
    """Write STATE after each page (incremental); a full refresh reads in the same order but keeps no state."""
    upper: datetime = field(default_factory=lambda: datetime.now(UTC))

    def read_project(self, project_id: int) -> int:
        """The project's rows whose cursor lies in [start, upper), in cursor order, a STATE after each page."""
        if self.stream.read.table.raw:
            return self.read_by_key(project_id)
        table, rows = cursor_ordered(self.stream), page_rows(self.stream, self.context)
        scan = TableScan(self.context.queries, project_id, table, rows)
        rename = dict(self.stream.read.rename)
        emitted = 0
        for window in self.windows(project_id, self.start_of(project_id)):
            for page in iter_window_pages(scan, window=window, after=None):
                last: datetime = page.last_key[0]
                emitted += write_page(self.stream, self.context, project_id, page, lambda rows: plain(rows, rename))
                self.cursors[project_id] = max(last, self.cursors.get(project_id, last))
                self.save()
        self.save()
        return emitted

    def read_by_key(self, project_id: int) -> int:
        """A table bounded by its stored one (groups): key order, the window filtering each page's rows.

        The cursor (an aggregate, `max(_timestamp)` of a group's rows, groups.py @5735f4ed) cannot narrow what
        PostHog reads, and the stored table has no time in its sort key (group/sql.py @9d67819c): any read of
        changed groups reads the whole team's rows, so it is done a page of raw rows per query. A group is
        changed since `start` iff one of its rows is; the window keeps PostHog's own aggregate as the test.
        The project's cursor moves only when its read ends (rows come in key order, not cursor order): a
        read killed mid-project starts that project again from its saved cursor, losing nothing. A full
        refresh filters nothing: every current group once, updated during the read or not.
        """
        scan = TableScan(self.context.queries, project_id, self.stream.read.table, page_rows(self.stream, self.context))
        rename, column = dict(self.stream.read.rename), self.stream.read.column_of(self.stream.cursor_field or "")
        start = self.start_of(project_id)
        on = raw_pages.aggregate(scan.table.raw or "", column)  # the page's HAVING: `updated_at` is an aggregate
        only = (Bounds(on, start, self.upper).condition(),) if self.checkpoint else ()
        emitted, newest = 0, self.cursors.get(project_id)
        for page in iter_bounded_pages(scan, only):
            if self.checkpoint and page.rows:
                at = page.columns.index(column)
                latest = max(parse_timestamp(row[at]) for row in page.rows)
                newest = latest if newest is None else max(newest, latest)
            emitted += write_page(self.stream, self.context, project_id, page, lambda rows: plain(rows, rename))
            self.save()  # earlier projects' cursors: a checkpoint for the records written so far
        if newest is not None:
            self.cursors[project_id] = newest
        self.save()
        return emitted

    def windows(self, project_id: int, start: datetime) -> list[Bounds]:
        """[start, upper) as one window, or cut by the events' density into windows of at most WINDOW_EVENTS."""
        column = self.stream.read.column_of(self.stream.cursor_field or "")
        if not self.stream.read.windows_by_events:
            return [Bounds(column, start, self.upper)] if start < self.upper else []
        counts = hourly_counts(self.context.queries, project_id, Bounds("timestamp", start, self.upper))
        planned = plan_windows(counts, start, self.upper, WINDOW_EVENTS, DENSITY_SPAN)
        return [Bounds(column, window.start, window.end) for window in planned]

    def start_of(self, project_id: int) -> datetime:
        """`reread` before the saved cursor; without one, `start_date` or the beginning (`from_start_date`)."""
        saved = self.cursors.get(project_id)
        floor = self.context.config.start if self.stream.read.from_start_date else EPOCH
        return floor if saved is None else max(floor, saved - self.stream.read.reread)

    def save(self) -> None:
        """Write the stream's state, in the shape session_recordings' state has too (incremental only)."""
        if self.checkpoint:
            self.context.sink.state(self.stream.name, dated_state(self.stream.cursor_field or "", self.cursors))


def cursor_ordered(stream: Stream[TableSpec]) -> HogQLTable:
    """The stream's table ordered by its cursor column first, then its key (still a total order)."""
    table = stream.read.table
    return HogQLTable(
        table.name,
        table.columns,
        (KeyColumn(stream.read.column_of(stream.cursor_field or ""), KeyType.DATETIME), *table.key),
    )


def write_page(stream: Stream[TableSpec], context: ReadContext, project_id: int, page: Page, shape: Shaper) -> int:
    """Shape a page into records, write them, release the rows; returns how many."""
    records = shape(list(page.dicts()))
    page.release()
    records.reverse()  # popped in page order: each record is freed as soon as it is written
    while records:
        record = records.pop()
        record["project_id"] = project_id
        context.sink.record(stream.name, record)
    context.progress.page(stream.name, page.count, f"project {project_id}")
    return page.count
