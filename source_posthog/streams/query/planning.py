"""Windows sized by data: one cheap density query per range, then windows that each hold about one page.

Why (posthog-api §10): PostHog Cloud stops an API query after 10 s, and its cost grows with the rows
the WHERE clause makes ClickHouse read and sort — the events table is sorted by `toDate(timestamp)`
first, so a range prunes whole days, and `ORDER BY timestamp, uuid` top-N-sorts every matching row of
the range on every page. A fixed 30-day window on a dense project times out on its first page. So:
- `SELECT intDiv(toUnixTimestamp(timestamp), 3600) AS hour, count() ... GROUP BY hour` reads only the
  timestamp column and tells how many events each hour holds (UTC hours: `toUnixTimestamp` ignores the
  project's timezone).
- Windows are then cut so each holds at most about one page of rows: each query sorts at most a page,
  and the number of queries stays rows / page size. An hour denser than a page is cut into equal parts
  (events are assumed even within an hour; the keyset reader pages through any window that holds more).
- Windows still cover the whole range without gaps (an event ingested after the density query lands in
  some window), never span more than `events_time_step`, and the empty history before the first event
  is skipped (late arrivals there are the late-events sweep's business).
- A density query that times out is split in two, down to one hour per query; a window whose page times
  out is split at its keyset position, down to windows of a minute. The same query is never retried as is.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from itertools import pairwise

from source_posthog.errors import QueryLimitError, TransientError
from source_posthog.streams.query.client import QueryPoster
from source_posthog.streams.query.keyset import Page, TableScan, iter_key_pages
from source_posthog.streams.query.sql import Bounds, Condition, Key, hogql_body, joined, run_query

HOUR = timedelta(hours=1)
MIN_WINDOW = timedelta(minutes=1)  # below this a timed-out window is not split further
# One density query covers at most this much: <= 8,784 hourly rows, below every row cap PostHog ever had
# (10,000 before June 2024, row_cap.py), so its answer is never cut.
DENSITY_SPAN = timedelta(days=365)
DENSITY_SQL = (
    "SELECT intDiv(toUnixTimestamp({column}), 3600) AS hour, count() FROM {source} WHERE {where} "
    "GROUP BY hour ORDER BY hour LIMIT 10000"
)

HourlyCounts = dict[datetime, int]


def hourly_counts(
    client: QueryPoster, project_id: int, bounds: Bounds, where: Condition | None = None, source: str = "events"
) -> HourlyCounts:
    """Rows per UTC hour of `bounds.column` in `bounds` matching `where` (hours without any absent), a query a year.

    `source` is what is counted: the events table, or a custom query as `(SELECT ...)`.
    """
    counts: HourlyCounts = {}
    start = bounds.start
    while start < bounds.end:
        end = min(start + DENSITY_SPAN, bounds.end)
        counts |= _counts(client, project_id, Bounds(bounds.column, start, end), where, source)
        start = end
    return counts


def _counts(client: QueryPoster, project_id: int, bounds: Bounds, where: Condition | None, source: str) -> HourlyCounts:
    condition, values = joined([bounds.condition(), *([where] if where else [])])
    sql = DENSITY_SQL.format(column=bounds.column, source=source, where=condition)
    name = "source-posthog events density" if source == "events" else "source-posthog custom query density"
    body = hogql_body(sql, values, name)
    try:
        rows = run_query(client, project_id, body)["results"]
    except QueryLimitError:
        if bounds.end - bounds.start <= HOUR:
            hour = bounds.start.strftime("%Y-%m-%d %H:%M")
            raise TransientError(
                f"Project {project_id}: PostHog cannot even count the events of one hour ({hour} UTC) within its "
                "API query time limit. Try again later, or export this project with a PostHog batch export."
            ) from None
        middle = _midpoint(bounds.start, bounds.end, HOUR)
        first, second = Bounds(bounds.column, bounds.start, middle), Bounds(bounds.column, middle, bounds.end)
        return _counts(client, project_id, first, where, source) | _counts(client, project_id, second, where, source)
    return {datetime.fromtimestamp(int(hour) * 3600, UTC): int(count) for hour, count in rows}


def plan_windows(counts: HourlyCounts, start: datetime, end: datetime, rows: int, widest: timedelta) -> list[Bounds]:
    """Half-open windows covering [the first event's hour or `start`, `end`) holding about `rows` events each."""
    busy = sorted(hour for hour, count in counts.items() if count and start - HOUR < hour < end)
    if not busy:
        return []
    edges = [max(start, busy[0])]  # the empty history before the first event is skipped
    held = 0  # events in the open window [edges[-1], hour)
    for hour, hour_end in _hours(edges[0], end):
        count = counts.get(hour, 0)
        if hour > edges[-1] and (held + count > rows or hour_end - edges[-1] > widest):
            edges.append(hour)  # close the open window before this hour
            held = 0
        if count > rows:  # a dense hour: equal parts of about `rows` events each
            edges += _parts(max(hour, edges[-1]), hour_end, count, rows)
        else:
            held += count
    if edges[-1] < end:
        edges.append(end)
    return [Bounds("timestamp", a, b) for a, b in pairwise(edges)]


def _hours(start: datetime, end: datetime) -> Iterator[tuple[datetime, datetime]]:
    """The UTC hours overlapping [start, end), each clipped to it: (hour start, clipped end)."""
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < end:
        yield hour, min(hour + HOUR, end)
        hour += HOUR


def _parts(start: datetime, end: datetime, count: int, rows: int) -> list[datetime]:
    """The inner edges and the end of [start, end) cut in equal parts of about `rows` of its `count` events."""
    pieces = max(1, min(-(-count // rows), (end - start) // MIN_WINDOW))
    step = (end - start) / pieces
    return [start + step * i for i in range(1, pieces)] + [end]


def split(window: Bounds, resume_at: datetime) -> tuple[Bounds, Bounds]:
    """The rest of a timed-out window, [resume_at, end), cut in two halves."""
    middle = _midpoint(resume_at, window.end, MIN_WINDOW)
    return Bounds(window.column, resume_at, middle), Bounds(window.column, middle, window.end)


def _midpoint(start: datetime, end: datetime, unit: timedelta) -> datetime:
    """The middle of [start, end), rounded down to `unit` after `start` but strictly inside the range."""
    middle = start + ((end - start) / 2 // unit) * unit
    return middle if start < middle < end else start + (end - start) / 2


def iter_window_pages(
    scan: TableScan, *, window: Bounds, after: Key | None, where: Condition | None = None
) -> Iterator[Page]:
    """The window's pages in key order; a part PostHog cannot finish in time is split and read in halves."""
    pending = [(window, after)]
    while pending:
        part, after = pending.pop(0)
        try:
            conditions = [part.condition(), *([where] if where else [])]
            for page in iter_key_pages(scan, where=conditions, after=after):
                after = page.last_key
                yield page
        except QueryLimitError as error:
            resume_at = after[0] if after else part.start
            if part.end - resume_at < 2 * MIN_WINDOW:
                raise QueryLimitError(
                    f"Project {scan.project_id}: even a one-minute window of {scan.table.name} "
                    f"({resume_at:%Y-%m-%d %H:%M} UTC) is more than PostHog answers within its query limits. "
                    f"{error.message} Lower events_page_size."
                ) from None
            pending[:0] = [(half, after if i == 0 else None) for i, half in enumerate(split(part, resume_at))]
