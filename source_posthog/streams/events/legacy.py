"""Fallback for instances without `/query/`: the legacy `GET /events/` list, read so that no tie is lost.

    {"next": ".../events/?orderBy=...&after=2026-05-01T12%3A00%3A00.123000%2B00%3A00", "results": [...]}

- Ascending (`orderBy=["timestamp"]`): newest-first reads probe short windows and can answer
  `next: null` while older events remain (PostHog PR #42990); ascending reads never probe.
- `after` and `before` are exclusive: the slice [s, e) is asked as after = s - 1 µs, before = e.
- `next` moves `after` to the last row's timestamp T and so drops rows sharing T that did not fit
  (posthog#34143). `next` is used only as "more exists"; the next request re-includes T
  (after = T - 1 µs) and skips ids already emitted at T. A short page with `next` is not the end;
  an ascending `next: null` is.
- A page made only of rows at one timestamp is a tie block bigger than a page: it is read alone
  (after = T - 1 µs, before = T + 1 µs) and, if still too big, split into uuid-text ranges with a HogQL
  property filter until each part fits (legacy_split.py); an instance that ignores the filter gets a WARN naming T.
- Dedupe is scoped to one timestamp, so memory stays bounded by the largest tie block.
- Event-name filters travel as one more HogQL property filter, so PostHog applies them to every request.
- Checkpoint (T - 1 µs, MAX_UUID) = "every event before T was read": resumes at T on both paths.
- Pages are sized by the memory budget (rest/sizing.py: rows per page from the bytes rows weighed), at most
  1,000 (PostHog's cap) and at least MIN_PAGE_ROWS; a page's rows are released before the next is fetched.
- A body is read under the budget's ceiling (http/body_cut.py); past it, the rows before the first heavy one are
  asked as a page, then it alone (`limit=1&offset=<position>`; PostHog takes a deprecated `offset`, 1 s slower, up
  to 50,000, posthog/api/event.py after PR #60124), then left out at its timestamp (legacy_edge.py): read once.
"""

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from source_posthog.http.body_cut import BodyCutError
from source_posthog.http.pacing import EndpointClass
from source_posthog.http.pagination import fetch_page
from source_posthog.streams.context import ReadContext
from source_posthog.streams.events.cursors import STREAM, Cursor, EventsRead
from source_posthog.streams.events.legacy_edge import (
    ASCENDING,
    FILTER_IGNORED,
    ONE_US,
    Edge,
    list_params,
    property_filters,
)
from source_posthog.streams.events.legacy_split import EVERY_UUID, UNSPLIT, read_parts
from source_posthog.streams.events.records import canonical_timestamp
from source_posthog.streams.events.start import start_point
from source_posthog.streams.rest.sizing import ListSizer, list_table
from source_posthog.streams.slices import iter_slices
from source_posthog.streams.timestamps import format_timestamp, parse_timestamp

PAGE_LIMIT = 1000  # PostHog lowers a larger limit to EVENT_LIST_MAX_LIMIT = 1_000 silently (rest/sizing.py)
# Each page re-reads the rows at its first timestamp: a page of fewer rows than share a timestamp is read as a tie
# block (up to 18 more requests each). Ten rows of 300 KB are 3 MB: a small excess over the smallest budget's page.
MIN_PAGE_ROWS = 10
LEGACY_TABLE = list_table(STREAM)
MAX_SPAN = timedelta(days=365)  # PostHog answers 500 past 366 days of after..before (after is start - 1 µs)
MAX_UUID = "ffffffff-ffff-ffff-ffff-ffffffffffff"  # sorts after every uuid, in ClickHouse order too


class LegacyReader:
    """Reads one project's slices from `/events/`, emitting each event once."""

    def __init__(self, read: EventsRead, project_id: int) -> None:
        self.read = read
        self.project_id = project_id
        self.count = 0
        context = read.context
        self.sizer = ListSizer(context.queries.budget, context.client, project_id, LEGACY_TABLE, PAGE_LIMIT)
        self.cutting = True
        """Bodies are read under the budget's ceiling (off if the instance ignores the filter that needs)."""

    def fetch(
        self,
        lower: datetime,
        end: datetime,
        uuids: tuple[str, str] = EVERY_UUID,
        limit: int | None = None,
        *,
        skip: set[str] | None = None,
        offset: int = 0,
    ) -> tuple[list[dict[str, Any]], bool]:
        """Rows with lower <= timestamp < end (uuid text in [uuids), none of `skip`), and whether more exist.

        Sized by the budget unless `limit`; weighed for it unless it is the one-event probe of `first_event`.
        """
        params = list_params(lower, end, limit or max(MIN_PAGE_ROWS, self.sizer.limit()), offset)
        if properties := property_filters(self.read.event_filter.hogql_expression(), uuids, skip or set()):
            params["properties"] = properties
        client, path = self.read.context.client, f"projects/{self.project_id}/events/"
        sizer = None if limit == 1 and skip is None else self.sizer
        page = fetch_page(client, f"{client.url(path)}?{urlencode(params)}", EndpointClass.ANALYTICS, sizer, path)
        rows: list[dict[str, Any]] = page["results"]
        if skip and any(row["id"] in skip for row in rows):
            self.filter_ignored()
        return rows, bool(page.get("next"))

    def filter_ignored(self) -> None:
        """The instance returned an event the HogQL filter left out: stop cutting pages (they would loop)."""
        if self.cutting:
            self.cutting = False
            self.read.context.sink.log("WARN", FILTER_IGNORED.format(project=self.project_id))

    def first_event(self, start: datetime, upper: datetime) -> datetime | None:
        """The earliest event time in [start, upper), one request per 366 days: empty history costs no slices."""
        for window_start, window_end in iter_slices(start, upper, MAX_SPAN):
            rows, _ = self.fetch(window_start, window_end, limit=1)
            if rows:
                return parse_timestamp(rows[0]["timestamp"])
        return None

    def emit(self, rows: list[dict[str, Any]], seen: set[str]) -> None:
        """Write rows whose id is not in `seen` yet, and add them to it: a tie re-read must not repeat them."""
        emitted = 0
        for row in rows:
            if row["id"] in seen:
                continue
            seen.add(row["id"])
            row["timestamp"] = canonical_timestamp(row["timestamp"])
            row["project_id"] = self.project_id
            self.read.context.sink.record(STREAM, row)
            emitted += 1
        self.count += emitted
        self.read.context.progress.page(STREAM, emitted, f"project {self.project_id} (legacy /events/)")

    def read_slice(self, lower: datetime, end: datetime) -> None:
        """Every event in [lower, end), page by page, re-reading each page's last timestamp."""
        edge: Edge | None = Edge(lower)
        while edge is not None and edge.lower < end:
            edge = self.read_page(edge, end)
            if edge is not None:  # every event before the edge was read: a resume starts at it
                self.read.checkpoint.save(self.project_id, Cursor(edge.lower - ONE_US, MAX_UUID))

    def read_page(self, edge: Edge, end: datetime) -> Edge | None:
        """One page from `edge`, emitted (or the pages its cut body becomes); the next edge, None at the end."""
        budget = self.read.context.queries.budget
        ceiling = budget.ceiling if self.cutting else None
        try:
            with self.read.context.client.ceiling.at(ceiling):
                rows, more = self.fetch(edge.lower, end, skip=edge.alone)
            return self.after_page(edge, rows, more)
        except BodyCutError as cut:
            position, complete = cut.first_heavy(budget.heavy_row_bytes), cut.complete
        return self.read_cut(edge, end, position, complete)  # outside the handler: no cut body kept alive

    def after_page(self, edge: Edge, rows: list[dict[str, Any]], more: bool) -> Edge | None:
        """Emit a page read from `edge`; where the next starts (its last timestamp, re-read), None at the end."""
        self.emit(rows, edge.seen)
        if not more or not rows:
            return None
        if parse_timestamp(rows[-1]["timestamp"]) == edge.lower:  # one timestamp: a tie block bigger than a page
            self.read_tie_block(edge.lower, edge.seen, edge.alone)
            return Edge(edge.lower + ONE_US)
        return edge.after(rows)  # the page's rows are released when the caller asks the next

    def read_cut(self, edge: Edge, end: datetime, position: int | None, complete: int) -> Edge | None:
        """After a body cut at the ceiling: the rows before its heavy event as a page, then that event alone.

        With no row heavier than a page's share (the page merely ran over), the rows that were complete.
        """
        if position is None:
            rows, more = self.fetch(edge.lower, end, limit=max(1, complete), skip=edge.alone)
            return self.after_page(edge, rows, more)
        before: list[dict[str, Any]] = []
        if position:
            before, _ = self.fetch(edge.lower, end, limit=position, skip=edge.alone)
            self.emit(before, edge.seen)
        alone, more = self.fetch(edge.lower, end, limit=1, skip=edge.alone, offset=position)
        self.emit(alone, edge.seen)
        if not alone:  # the list changed between the requests: go on from the rows read, if any
            return edge.after(before) if before and more else None
        return edge.after(before, alone[0]) if more else None

    def read_tie_block(self, at: datetime, seen: set[str], alone: set[str]) -> None:
        """Every event stamped exactly `at` (but those read `alone`): read alone, then uuid ranges split further."""
        rows, more = self.fetch(at, at + ONE_US, skip=alone)
        self.emit(rows, seen)
        if more and not read_parts(lambda part: self.fetch(at, at + ONE_US, part, skip=alone), self.emit, rows, seen):
            self.read.context.sink.log("WARN", UNSPLIT.format(project=self.project_id, at=format_timestamp(at)))


def probe_legacy(context: ReadContext, project_id: int) -> None:
    """One single-event request to `/events/` (check: will the fallback read work with this key?)."""
    params = {"orderBy": ASCENDING, "limit": "1"}
    context.client.get_json(f"projects/{project_id}/events/", params, EndpointClass.ANALYTICS)


def read_project_legacy(read: EventsRead, project_id: int) -> int:
    """Emit the project's events from its cursor to the upper bound through `/events/`."""
    cursor = read.checkpoint.cursor(project_id)
    point = start_point(cursor, read.context.config.start, read.lookback)
    start = point.start
    if point.after is not None and point.after.uuid == MAX_UUID:
        start += ONE_US  # a legacy checkpoint: everything up to and including that instant was read
    reader = LegacyReader(read, project_id)
    first = reader.first_event(start, read.upper)
    for slice_start, slice_end in iter_slices(first or read.upper, read.upper, read.step):
        reader.read_slice(slice_start, slice_end)
    read.checkpoint.save(project_id, Cursor(read.upper))
    return reader.count
