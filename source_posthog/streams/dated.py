"""Lists bounded by date and paged by `has_next` (session recordings), read incrementally on start time.

    GET /api/projects/42/session_recordings/?date_from=..&date_to=..&order=start_time&order_direction=ASC
        &limit=500&offset=0   ->   {"results": [...], "has_next": true, "version": 4}

- PostHog filters a recording's *blocks* by date before adding them up (session_recording_list_from_query.py),
  so a recording crossing `date_from` or `date_to` is listed cut: a later start, fewer clicks. Each window
  [w, e) is therefore asked as [w - open_for, e + open_for] and only recordings starting in [w, e) are
  emitted: none lasts `open_for`, so each of those is listed whole, and every cut one starts outside [w, e).
- Without `date_from` PostHog lists the last 3 days only, so both bounds are always sent. Given `offset`
  (from 0), it pages by offset and says `has_next`; there is no `next` link.
- Cursor per project, `{"<pid>": {"start_time": T}}`: every recording starting before T was delivered as it
  will stay. T stays `open_for` behind the sync's upper bound U, because recordings still going on change;
  the next sync re-reads from T, so re-delivery is bounded by `open_for` (dedupe on id downstream).
- Expired (past retention) and deleted recordings are never listed: deletions cannot be observed.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

from source_posthog.errors import ConfigError, InternalError
from source_posthog.streams.context import Sync
from source_posthog.streams.stream import Stream
from source_posthog.streams.timestamps import format_timestamp, parse_timestamp
from source_posthog.streams.windows import iter_slices

WINDOW = timedelta(days=7)  # a week of recordings per query keeps each ClickHouse aggregation small
PROBE_SPAN = timedelta(days=1)


def read_dated_stream(stream: Stream, sync: Sync, sync_mode: str, stream_state: Any) -> int:
    """Emit each project's records from its cursor to now; a STATE follows every window."""
    incoming = parse_dated_state(stream, stream_state) if sync_mode == "incremental" and stream_state else {}
    return DatedRead(stream, sync, incoming).run()


class DatedRead:
    """One sync of one dated stream: its cursors, and the upper bound fixed at its start."""

    def __init__(self, stream: Stream, sync: Sync, cursors: dict[int, datetime]) -> None:
        self.stream, self.sync, self.cursors = stream, sync, dict(cursors)
        self.upper = datetime.now(UTC)
        self.open_for = stream.open_for or timedelta(0)
        self.field = stream.cursor_field or "start_time"

    def run(self) -> int:
        """Every project in turn."""
        return sum(self.read_project(int(project["id"])) for project in self.sync.projects)

    def read_project(self, project_id: int) -> int:
        """Emit the project's records starting in [cursor, upper), window by window."""
        start = max(self.sync.config.start, self.cursors.get(project_id, self.sync.config.start))
        first = self.first_start(project_id, start)
        seen: set[Any] = set()
        emitted = 0
        for window_start, window_end in iter_slices(max(start, first or self.upper), self.upper, WINDOW):
            for record in self.iter_window(project_id, window_start, window_end):
                if record.get("id") not in seen:
                    seen.add(record.get("id"))
                    record["project_id"] = project_id
                    self.sync.sink.record(self.stream.name, record)
                    emitted += 1
            self.save(project_id, min(window_end, self.upper - self.open_for))
        self.save(project_id, self.upper - self.open_for)
        return emitted

    def first_start(self, project_id: int, start: datetime) -> datetime | None:
        """The earliest start listed from `start` on (perhaps a cut one, never later than a whole one)."""
        results, _ = self.fetch(project_id, start - self.open_for, self.upper + self.open_for, 0, limit="1")
        return self.start_of(results[0]) if results else None

    def iter_window(self, project_id: int, start: datetime, end: datetime) -> Iterator[dict[str, Any]]:
        """The records starting in [start, end), from pages that reach `open_for` beyond both ends."""
        offset, more = 0, True
        while more:
            results, more = self.fetch(project_id, start - self.open_for, end + self.open_for, offset)
            self.sync.progress.page(self.stream.name, len(results), f"project {project_id}, {start:%Y-%m-%d}")
            offset += len(results)
            more = more and bool(results)  # an empty page that claims more would loop forever
            yield from (record for record in results if start <= self.start_of(record) < end)

    def fetch(
        self, project_id: int, date_from: datetime, date_to: datetime, offset: int, limit: str | None = None
    ) -> tuple[list[dict[str, Any]], bool]:
        """One page: its records, and whether PostHog says more exist."""
        params = {**self.stream.params, "date_from": format_timestamp(date_from), "date_to": format_timestamp(date_to)}
        params.update({"offset": str(offset), **({"limit": limit} if limit else {})})
        path = f"projects/{project_id}/{self.stream.path}"
        page = self.sync.client.get_json(path, params, self.stream.endpoint_class)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise InternalError(f"Unexpected response shape from {path}: expected an object with results.")
        return page["results"], bool(page.get("has_next"))

    def start_of(self, record: dict[str, Any]) -> datetime:
        """The record's cursor value as a datetime."""
        try:
            return parse_timestamp(str(record[self.field]))
        except (KeyError, ValueError):
            raise InternalError(f"A {self.stream.name} record has no readable {self.field}.") from None

    def save(self, project_id: int, cursor: datetime) -> None:
        """Move the project's cursor forward (never back) and write the whole stream state."""
        self.cursors[project_id] = max(cursor, self.cursors.get(project_id, cursor))
        self.sync.sink.state(self.stream.name, dated_state(self.field, self.cursors))


def dated_state(field: str, cursors: dict[int, datetime]) -> dict[str, Any]:
    """{project_id: T} as `{"<project_id>": {"<cursor field>": T}}`, the state `parse_dated_state` reads."""
    return {str(pid): {field: format_timestamp(value)} for pid, value in sorted(cursors.items())}


def parse_dated_state(stream: Stream, stream_state: Any) -> dict[int, datetime]:
    """`{"<project_id>": {"<cursor field>": T}}` into {project_id: T}; anything else is a ConfigError."""
    field = stream.cursor_field or ""
    if not isinstance(stream_state, dict):
        raise ConfigError(f'The {stream.name} state must be an object such as {{"<project_id>": {{"{field}": ...}}}}.')
    cursors = {}
    for key, value in stream_state.items():
        try:
            cursors[int(key)] = parse_timestamp(value[field])
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"The {stream.name} state entry {key!r} needs a readable {field}.") from None
    return cursors


def probe_dated_stream(stream: Stream, sync: Sync, project_id: int) -> None:
    """One record of the last day (check: does the key have the scope?)."""
    now = datetime.now(UTC)
    params = {**stream.params, "limit": "1", "offset": "0"}
    params.update({"date_from": format_timestamp(now - PROBE_SPAN), "date_to": format_timestamp(now)})
    sync.client.get_json(f"projects/{project_id}/{stream.path}", params, stream.endpoint_class)
