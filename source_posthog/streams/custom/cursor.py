"""A custom query with a cursor: rows in (cursor, key) order from each project's saved position.

State `{"<project_id>": {"<cursor>": V, "key": [k, ...]}}`. With `key`, V and key are the last row written (a
checkpoint, or where a non-datetime cursor stopped): the read resumes strictly after (V, key), no lookback,
so a kill loses and repeats nothing. Without `key` (a finished datetime read), every row with a cursor
before V was read: the next sync starts at V less `lookback_minutes`, inclusive, so rows that arrive late
with an older cursor are read again within that margin (downstream deduplicates on the primary key).

A datetime cursor is read up to the sync's start only, in windows planned from the query's own hourly
density (query/planning.py: `SELECT intDiv(toUnixTimestamp(cursor), 3600) ... FROM (<query>)`), the first
sync from `start_date`, each window split when PostHog answers its time limit, as events are. Any other
cursor (an increasing id) is read by keyset from the saved position to the end.
"""

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from source_posthog.errors import ConfigError
from source_posthog.streams.context import ReadContext
from source_posthog.streams.custom.pages import RepeatedKeys, write_page
from source_posthog.streams.custom.probe import fetch_shape, subquery, table_of
from source_posthog.streams.query.keyset import Page, TableScan, iter_key_pages
from source_posthog.streams.query.planning import hourly_counts, iter_window_pages, plan_windows
from source_posthog.streams.query.sql import Bounds, Key, KeyType
from source_posthog.streams.stream import CustomSpec, Stream
from source_posthog.streams.timestamps import format_timestamp, parse_timestamp

Entry = dict[str, Any]


def read_from_cursor(
    stream: Stream[CustomSpec], context: ReadContext, incremental: bool, stream_state: Any, rows: int
) -> int:
    """Every project's rows from its saved position (incremental) or from the start (full refresh)."""
    saved = parse_custom_state(stream, stream_state) if incremental and stream_state else {}
    read = CursorRead(stream, context, saved, incremental, rows)
    return sum(read.project(int(project["id"])) for project in context.projects)


def parse_custom_state(stream: Stream[CustomSpec], stream_state: Any) -> dict[str, Entry]:
    """The saved entries by project id text; anything else than the shape above is a ConfigError."""
    cursor = stream.read.cursor_field or ""
    if not isinstance(stream_state, dict) or not all(
        isinstance(entry, dict) and cursor in entry and isinstance(entry.get("key", []), list)
        for entry in stream_state.values()
    ):
        raise ConfigError(
            f'The {stream.name} state must look like {{"<project_id>": {{"{cursor}": ..., "key": [...]}}}}.'
        )
    return dict(stream_state)


@dataclass
class CursorRead:
    """One sync of a custom query with a cursor: the saved entries, and the upper bound fixed at its start."""

    stream: Stream[CustomSpec]
    context: ReadContext
    entries: dict[str, Entry]
    checkpoint: bool
    rows: int
    upper: datetime = field(default_factory=lambda: datetime.now(UTC))

    def project(self, project_id: int) -> int:
        """The project's new rows, a STATE after each page, then the project's finished entry."""
        shape = fetch_shape(self.stream, self.context.queries, project_id)
        cursor = self.stream.read.cursor_field or ""
        table = table_of(self.stream, shape, (cursor, *self.stream.read.key))
        scan = TableScan(self.context.queries, project_id, table, self.rows)
        dated = table.key[0].type is KeyType.DATETIME
        entry = self.entries.get(str(project_id))
        after = resume_key(table.key, entry)
        repeated = RepeatedKeys(self.stream, project_id)
        emitted = 0
        for page in self.pages(scan, entry, after) if dated else iter_key_pages(scan, after=after):
            emitted += write_page(self.stream, self.context, project_id, page, repeated)
            self.entries[str(project_id)] = position(cursor, page)
            self.save()
        if dated:  # finished: every row with a cursor before the sync's start was read
            self.entries[str(project_id)] = {cursor: format_timestamp(self.upper)}
        repeated.warn(self.context.sink)
        self.save()
        return emitted

    def pages(self, scan: TableScan, entry: Entry | None, after: Key | None) -> Iterator[Page]:
        """The pages of [start, upper) in windows planned from the query's hourly density."""
        cursor = scan.table.key[0].name
        start = self.start_of(entry, after)
        if start >= self.upper:
            return
        counts = hourly_counts(
            scan.queries, scan.project_id, Bounds(cursor, start, self.upper), source=subquery(self.stream.read)
        )
        widest = timedelta(days=self.context.config.events_time_step)
        for i, planned in enumerate(plan_windows(counts, start, self.upper, self.rows, widest)):
            window = Bounds(cursor, planned.start, planned.end)
            yield from iter_window_pages(scan, window=window, after=after if i == 0 else None)

    def start_of(self, entry: Entry | None, after: Key | None) -> datetime:
        """A checkpoint's cursor; else the finished cursor less the lookback; else `start_date`."""
        if after is not None:
            first: datetime = after[0]
            return first
        if entry is None:
            return self.context.config.start
        return parse_timestamp(entry[self.stream.read.cursor_field or ""]) - self.stream.read.lookback

    def save(self) -> None:
        """Write the stream's state (incremental only)."""
        if self.checkpoint:
            self.context.sink.state(self.stream.name, dict(sorted(self.entries.items())))


def resume_key(key: Any, entry: Entry | None) -> Key | None:
    """The (cursor, key...) to resume strictly after, if the entry is a checkpoint."""
    if entry is None or "key" not in entry:
        return None
    cells = [entry[key[0].name], *entry["key"]]
    if len(cells) != len(key):
        return None  # the primary_key changed since: read from the cursor instead
    return tuple(parse_timestamp(c) if k.type is KeyType.DATETIME else c for k, c in zip(key, cells, strict=True))


def position(cursor: str, page: Page) -> Entry:
    """The entry after a written page: its last row's cursor and key, datetimes as canonical UTC text."""
    cells = [format_timestamp(c) if isinstance(c, datetime) else c for c in page.last_key]
    return {cursor: cells[0], "key": cells[1:]}
