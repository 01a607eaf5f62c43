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
  property filter until each part fits; an instance that ignores the filter gets a WARN naming T.
  A full part is split around the longest prefix its page's ids share: UUIDv7 ids of one millisecond
  share 15 characters, and splitting one character at a time would cost 17 requests per shared one.
- Dedupe is scoped to one timestamp, so memory stays bounded by the largest tie block.
- Event-name filters travel as one more HogQL property filter, so PostHog applies them to every request.
- Checkpoint (T - 1 µs, MAX_UUID) = "every event before T was read": resumes at T on both paths.
- Pages are sized by the memory budget (rest/sizing.py: rows per page from the bytes rows weighed), at most
  1,000 (PostHog's cap) and at least MIN_PAGE_ROWS; a page's rows are released before the next is fetched.
"""

from datetime import datetime, timedelta
from typing import Any
from urllib.parse import urlencode

import orjson

from source_posthog.http.pacing import EndpointClass
from source_posthog.http.pagination import fetch_page
from source_posthog.streams.context import ReadContext
from source_posthog.streams.events.cursors import STREAM, Cursor, EventsRead
from source_posthog.streams.events.records import canonical_timestamp
from source_posthog.streams.events.start import start_point
from source_posthog.streams.rest.sizing import ListSizer, list_table
from source_posthog.streams.slices import iter_slices
from source_posthog.streams.timestamps import format_timestamp, parse_timestamp

ASCENDING = '["timestamp"]'  # anything but exactly ["-timestamp"] is oldest first
PAGE_LIMIT = 1000  # PostHog lowers a larger limit to EVENT_LIST_MAX_LIMIT = 1_000 silently (rest/sizing.py)
# Each page re-reads the rows at its first timestamp: a page of fewer rows than share a timestamp is read as a tie
# block (up to 18 more requests each). Ten rows of 300 KB are 3 MB: a small excess over the smallest budget's page.
MIN_PAGE_ROWS = 10
LEGACY_TABLE = list_table(STREAM)
MAX_SPAN = timedelta(days=365)  # PostHog answers 500 past 366 days of after..before (after is start - 1 µs)
ONE_US = timedelta(microseconds=1)
MAX_UUID = "ffffffff-ffff-ffff-ffff-ffffffffffff"  # sorts after every uuid, in ClickHouse order too
UUID_CHARS = "-0123456789abcdef"  # every character of a uuid's text, in ascending order
PAST_PREFIX = "g"  # prefix + "g" sorts after every uuid text starting with prefix
EVERY_UUID = ("", PAST_PREFIX)


class LegacyReader:
    """Reads one project's slices from `/events/`, emitting each event once."""

    def __init__(self, read: EventsRead, project_id: int) -> None:
        self.read = read
        self.project_id = project_id
        self.count = 0
        context = read.context
        self.sizer = ListSizer(context.queries.budget, context.client, project_id, LEGACY_TABLE, PAGE_LIMIT)

    def fetch(
        self, lower: datetime, end: datetime, uuids: tuple[str, str] = EVERY_UUID, limit: int | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """Rows with lower <= timestamp < end (uuid text in [uuids)), and whether more exist; sized unless `limit`."""
        params = {
            "orderBy": ASCENDING,
            "after": format_timestamp(lower - ONE_US),
            "before": format_timestamp(end),
            "limit": str(limit or max(MIN_PAGE_ROWS, self.sizer.limit())),
        }
        filters = [names] if (names := self.read.event_filter.hogql_expression()) else []
        if uuids != EVERY_UUID:  # only [-0-9a-fg] in them
            filters.append(f"toString(uuid) >= '{uuids[0]}' AND toString(uuid) < '{uuids[1]}'")
        if filters:  # a list of property filters: PostHog applies them all
            params["properties"] = orjson.dumps([{"type": "hogql", "key": hogql} for hogql in filters]).decode()
        client, path = self.read.context.client, f"projects/{self.project_id}/events/"
        sizer = self.sizer if limit is None else None
        page = fetch_page(client, f"{client.url(path)}?{urlencode(params)}", EndpointClass.ANALYTICS, sizer, path)
        return page["results"], bool(page.get("next"))

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
        seen: set[str] = set()  # ids already emitted at timestamp == lower
        while lower < end:
            rows, more = self.fetch(lower, end)
            self.emit(rows, seen)
            if not more or not rows:
                return
            last = parse_timestamp(rows[-1]["timestamp"])
            if last == lower:  # the whole page shares one timestamp: a tie block bigger than a page
                self.read_tie_block(lower, seen)
                lower, seen = lower + ONE_US, set()
            else:
                lower = last
                seen = {row["id"] for row in rows if parse_timestamp(row["timestamp"]) == last}
            rows.clear()  # written: release the page before the next is fetched
            self.read.checkpoint.save(self.project_id, Cursor(lower - ONE_US, MAX_UUID))

    def read_tie_block(self, at: datetime, seen: set[str]) -> None:
        """Every event stamped exactly `at`: read alone, then uuid ranges split further while pages are full."""
        rows, more = self.fetch(at, at + ONE_US)
        self.emit(rows, seen)
        pending = [(EVERY_UUID, rows)] if more else []
        while pending:
            whole, sample = pending.pop()
            for part in split_range(whole, [row["id"] for row in sample]):
                rows, more = self.fetch(at, at + ONE_US, part)
                if any(not part[0] <= row["id"] < part[1] for row in rows):
                    self.read.context.sink.log(
                        "WARN",
                        f"Project {self.project_id}: more events share timestamp {format_timestamp(at)} than one "
                        "/events/ page holds, and this instance ignores the HogQL filter needed to split them; "
                        "some of them may be missing.",
                    )
                    return
                self.emit(rows, seen)
                if more:
                    pending.append((part, rows))


def split_range(whole: tuple[str, str], ids: list[str]) -> list[tuple[str, str]]:
    """Ranges covering `whole`: one per character after the ids' common prefix P, plus whatever lies outside P.

    Every part excludes the ids of the full page that prompted the split, so splitting always ends.
    """
    prefix = common_prefix(ids)
    parts = [(prefix + char, prefix + char + PAST_PREFIX) for char in UUID_CHARS]
    parts = [("", prefix), *parts, (prefix + PAST_PREFIX, PAST_PREFIX)]
    clipped = [(max(lo, whole[0]), min(hi, whole[1])) for lo, hi in parts]
    return [(lo, hi) for lo, hi in clipped if lo < hi and (lo, hi) != whole]  # ids outside `whole`: no loop


def common_prefix(ids: list[str]) -> str:
    """The longest prefix of uuid characters every id starts with (ids come from the server: nothing else passes)."""
    prefix = ""
    for chars in zip(*ids, strict=False):
        if len(set(chars)) != 1 or chars[0] not in UUID_CHARS:
            break
        prefix += chars[0]
    return prefix


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
