"""Lists bounded by date and paged by `has_next` (session recordings), read incrementally on start time.

    GET /api/projects/42/session_recordings/?date_from=..&date_to=..&order=start_time&order_direction=ASC
        &limit=500&offset=0   ->   {"results": [...], "has_next": true, "version": 4}

- PostHog filters a recording's *blocks* by date before adding them up (session_recording_list_from_query.py),
  so a recording crossing `date_from` or `date_to` is listed cut: a later start, fewer clicks. Each window
  [w, e) is therefore asked as [w - open_for, e + open_for] and only recordings starting in [w, e) are
  emitted: none lasts `open_for`, so each of those is listed whole, and every cut one starts outside [w, e).
- Without `date_from` PostHog lists the last 3 days only, so both bounds are always sent. Given `offset`
  (from 0), it pages by offset and says `has_next`; there is no `next` link. `date_from`, `date_to`, `order`,
  `limit`, `offset` are RecordingsQuery fields in every version read; `order_direction` only in newer ones
  (frontend/src/queries/schema/schema-general.ts @c60a7265, and an older copy without it).
- No request spans the whole history: windows start at a week; a window whose answer fits one page doubles
  the next (up to MAX_WINDOW, and never to a width that already timed out in this project), so empty history
  costs one request per four weeks. A list query ClickHouse cannot finish in time is a 429 "Query timeout
  exceeded." (session_recording_api.py @a8b2677e; a QueryLimitError, never retried as is): the window is read
  again in halves, down to an hour.
- An instance refusing `order_direction` (400: older RecordingsQuery models forbid extra fields) is asked
  without the row's optional parameters for the rest of the read (one WARN). It lists newest first then:
  a recording starting mid-read shifts the others down a place, which repeats one (dropped by id), never skips.
- Cursor per project, `{"<pid>": {"start_time": T}}`: every recording starting before T was delivered as it
  will stay. T stays `open_for` behind the sync's upper bound U, because recordings still going on change;
  the next sync re-reads from T, so re-delivery is bounded by `open_for` (dedupe on id downstream).
- Pages are sized by bytes under `max_memory_mb` as REST lists are (rest/sizing.py): 500 rows at most.
- Expired (past retention) and deleted recordings are never listed: deletions cannot be observed.
"""

from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

from source_posthog.errors import ApiError, InternalError, QueryLimitError
from source_posthog.streams.context import ReadContext
from source_posthog.streams.cursor_state import dated_state, parse_dated_state
from source_posthog.streams.rest.sizing import ListSizer, list_table, wanted_rows
from source_posthog.streams.stream import DatedSpec, Stream
from source_posthog.streams.timestamps import format_timestamp, parse_timestamp

FIRST_WINDOW = timedelta(days=7)  # a week of recordings per query keeps each ClickHouse aggregation small
MAX_WINDOW = timedelta(days=364)  # empty history doubles windows up to a year, never to all of it
MIN_WINDOW = timedelta(hours=1)  # a window timing out at this width is PostHog's problem, not the window's
PROBE_SPAN = timedelta(days=1)
DEFAULT_LIMIT = 500  # rows per page if the stream's parameters name none (table.py names 500)
Record = dict[str, Any]


def read_dated_stream(stream: Stream[DatedSpec], context: ReadContext, sync_mode: str, stream_state: Any) -> int:
    """Emit each project's records from its cursor to now; a STATE follows every window."""
    incoming = parse_dated_state(stream, stream_state) if sync_mode == "incremental" and stream_state else {}
    emitted = DatedRead(stream, context, incoming).run()
    if warning := context.queries.budget.report(list_table(stream.name)):
        context.sink.log("WARN", warning)  # records each heavier than a page's memory budget, read alone
    return emitted


class DatedList:
    """The requests of one dated list, without the row's optional parameters once the instance refused them."""

    def __init__(self, stream: Stream[DatedSpec], context: ReadContext) -> None:
        self.stream, self.context = stream, context
        self.optional = dict(stream.read.optional_params)

    def fetch(
        self, project_id: int, date_from: datetime, date_to: datetime, offset: int, limit: int | None = None
    ) -> tuple[list[Record], bool]:
        """One page: its records, and whether PostHog says more exist."""
        params = {
            **self.stream.read.params,
            "date_from": format_timestamp(date_from),
            "date_to": format_timestamp(date_to),
        }
        params.update({"offset": str(offset), **({"limit": str(limit)} if limit else {})})
        path = f"projects/{project_id}/{self.stream.read.path}"
        page = self.get(path, params)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise InternalError(f"Unexpected response shape from {path}: expected an object with results.")
        return page["results"], bool(page.get("has_next"))

    def sized(
        self, sizer: ListSizer, project_id: int, date_from: datetime, date_to: datetime, offset: int
    ) -> tuple[list[Record], bool]:
        """One page of as many records as the memory budget allows (rest/sizing.py), weighed for the next."""
        try:
            (results, more), _limit = sizer.fetch(partial(self.fetch, project_id, date_from, date_to, offset))
        except BaseException:
            sizer.failed()
            raise
        sizer.weighed(results)
        return results, more

    def get(self, path: str, params: dict[str, str]) -> Any:
        """GET with the optional parameters while the instance accepts them."""
        client, endpoint_class = self.context.client, self.stream.endpoint_class
        if self.optional:
            try:
                return client.get_json(path, {**params, **self.optional}, endpoint_class)
            except ApiError as error:
                if error.status != 400:
                    raise
                self.context.sink.log(
                    "WARN",
                    f"This PostHog instance refuses {', '.join(sorted(self.optional))} on {self.stream.name} "
                    f"({error.message}); asking without for the rest of this read (it then lists newest first).",
                )
                self.optional = {}
        return client.get_json(path, params, endpoint_class)


class DatedRead:
    """One sync of one dated stream: its cursors, and the upper bound fixed at its start."""

    def __init__(self, stream: Stream[DatedSpec], context: ReadContext, cursors: dict[int, datetime]) -> None:
        self.stream, self.context, self.cursors = stream, context, dict(cursors)
        self.upper = datetime.now(UTC)
        self.open_for = stream.read.open_for
        self.field = stream.cursor_field or "start_time"
        self.list = DatedList(stream, context)
        self.sized_as = (list_table(stream.name), wanted_rows(dict(stream.read.params)) or DEFAULT_LIMIT)
        """The budget's name for the records, and the most rows a page asks for (fewer if they are heavy)."""
        self.emitted = 0

    def run(self) -> int:
        """Every project in turn."""
        for project in self.context.projects:
            self.read_project(int(project["id"]))
        return self.emitted

    def read_project(self, project_id: int) -> None:
        """Emit the project's records starting in [cursor, upper), window by window, a STATE after each."""
        start = max(self.context.config.start, self.cursors.get(project_id, self.context.config.start))
        seen: set[Any] = set()
        sizer = ListSizer(self.context.queries.budget, self.context.client, project_id, *self.sized_as)
        width, ceiling = FIRST_WINDOW, MAX_WINDOW * 2  # ceiling: the narrowest width that timed out
        while start < self.upper:
            end = min(start + width, self.upper)
            try:
                pages = self.read_window(sizer, start, end, seen)
            except QueryLimitError as error:
                ceiling = min(ceiling, end - start)
                width = self.narrowed(project_id, start, end, error)
                continue  # records already emitted from this window are in `seen`: none twice
            self.save(project_id, min(end, self.upper - self.open_for))
            wider = min(2 * width, MAX_WINDOW)
            start, width = end, wider if pages == 1 and wider < ceiling else width
        self.save(project_id, self.upper - self.open_for)

    def read_window(self, sizer: ListSizer, start: datetime, end: datetime, seen: set[Any]) -> int:
        """Emit the records starting in [start, end), from pages reaching `open_for` beyond both ends; the pages."""
        offset, pages, more, project_id = 0, 0, True, sizer.project_id
        while more:
            results, more = self.list.sized(sizer, project_id, start - self.open_for, end + self.open_for, offset)
            pages += 1
            self.context.progress.page(self.stream.name, len(results), f"project {project_id}, {start:%Y-%m-%d}")
            offset += len(results)
            more = more and bool(results)  # an empty page that claims more would loop forever
            for record in results:
                if start <= self.start_of(record) < end and record.get("id") not in seen:
                    seen.add(record.get("id"))
                    record["project_id"] = project_id
                    self.context.sink.record(self.stream.name, record)
                    self.emitted += 1
        return pages

    def narrowed(self, project_id: int, start: datetime, end: datetime, error: QueryLimitError) -> timedelta:
        """The next width after [start, end) timed out: half of it, at least an hour; at an hour, the error."""
        if end - start <= MIN_WINDOW:
            margin = self.open_for.total_seconds() / 3600
            raise QueryLimitError(
                f"Project {project_id}: PostHog cannot list even one hour of {self.stream.name} "
                f"({format_timestamp(start)}, asked with {margin:g}-hour margins) within its query time limit "
                f"({error.message}). Try again later."
            ) from None
        width = max(MIN_WINDOW, (end - start) / 2)
        self.context.sink.log(
            "INFO",
            f"Project {project_id}: PostHog timed out listing {self.stream.name} from {format_timestamp(start)} to "
            f"{format_timestamp(end)}; reading windows of {width.total_seconds() / 3600:g} hours from there.",
        )
        return width

    def start_of(self, record: Record) -> datetime:
        """The record's cursor value as a datetime."""
        try:
            return parse_timestamp(str(record[self.field]))
        except (KeyError, ValueError):
            raise InternalError(f"A {self.stream.name} record has no readable {self.field}.") from None

    def save(self, project_id: int, cursor: datetime) -> None:
        """Move the project's cursor forward (never back) and write the whole stream state."""
        self.cursors[project_id] = max(cursor, self.cursors.get(project_id, cursor))
        self.context.sink.state(self.stream.name, dated_state(self.field, self.cursors))


def probe_dated_stream(stream: Stream[DatedSpec], context: ReadContext, project_id: int) -> None:
    """One record of the last day (check: does the key have the scope?)."""
    now = datetime.now(UTC)
    DatedList(stream, context).fetch(project_id, now - PROBE_SPAN, now, 0, limit=1)
