"""Late events: deliver those ingested since the previous sync with timestamps before the re-read window.

Mobile SDKs flush offline queues days later, imports back-fill history: such events carry old timestamps,
so a read by timestamp from the cursor never sees them. PostHog's batch exports select by ingestion time;
HogQL exposes it as `events.created_at` (posthog-api §10). The state keeps, per project, a watermark W: every
event ingested before W with a timestamp before the cursor was delivered. Before its main read (which
starts at `point.start`), a sync sweeps `created_at >= W - MARGIN` with timestamps in
[max(start_date, point.start - late_events_days), point.start): bounded by timestamp so ClickHouse prunes by
day, planned in windows like the main read. The two ranges are disjoint: no event is emitted twice in a sync.

MARGIN: `created_at` is stamped when PostHog processes an event, before it travels through Kafka into
ClickHouse; an event stamped just before W may only become visible after the previous sync read past it.
Ingestion normally takes seconds and minutes under load; 30 minutes covers that with room. Its cost is
re-delivery: late events ingested in the 30 minutes before the previous sync started, or during it, may be
delivered again (dedupe on `id` removes them). The sweep saves no cursor (its events are older than the
cursor), so a sync killed during it sweeps again on resume: it re-delivers at most that sweep's events.

Late events older than the sweep are counted over the 7 days before it (never the whole history) and
reported in a WARN naming the range, the count and the way to recover them.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from source_posthog.errors import ApiError, QueryLimitError
from source_posthog.streams.events.cursors import Cursor, EventsRead
from source_posthog.streams.query.sql import Bounds, Condition, joined, select_one_row
from source_posthog.streams.timestamps import format_timestamp, hogql_literal, parse_timestamp

MARGIN = timedelta(minutes=30)  # ingestion-to-visibility lag allowed for (see above)
TOO_LATE_SPAN = timedelta(days=7)  # how far before the sweep late arrivals are counted: a cheap, bounded count
TOO_LATE_SQL = "count(), min(timestamp), max(timestamp) FROM events"


@dataclass(frozen=True)
class Sweep:
    """The timestamp range a sync sweeps and the condition (ingestion time, event names) it applies."""

    bounds: Bounds
    where: Condition


def ingested_since(watermark: datetime) -> Condition:
    """Events PostHog ingested at or after `watermark - MARGIN`."""
    return "created_at >= toDateTime64({ingested_since}, 6, 'UTC')", {
        "ingested_since": hogql_literal(watermark - MARGIN)
    }


def plan_sweep(read: EventsRead, project_id: int, cursor: Cursor | None, start: datetime) -> Sweep | None:
    """The sweep before a main read starting at `start` (None without a watermark: older states, first syncs).

    Too-late arrivals (older than the sweep) are reported here, once per project and sync.
    """
    if cursor is None or cursor.ingested_at is None:
        return None
    days, names = timedelta(days=read.context.config.late_events_days), read.event_filter.condition()
    where = joined([ingested_since(cursor.ingested_at), *([names] if names else [])])
    lower = max(read.context.config.start, start - days)
    too_late = Bounds("timestamp", max(read.context.config.start, lower - TOO_LATE_SPAN), lower)
    warn_too_late(read, project_id, too_late, where)
    return Sweep(Bounds("timestamp", lower, start), where) if days and lower < start else None


def warn_too_late(read: EventsRead, project_id: int, bounds: Bounds, where: Condition) -> None:
    """WARN if events ingested since the watermark have timestamps in `bounds` (before the sweep)."""
    if bounds.start >= bounds.end:
        return
    client, name = read.context.queries, "source-posthog late events"
    try:
        count, first, last = select_one_row(client, project_id, TOO_LATE_SQL, [bounds.condition(), where], name=name)
    except (ApiError, QueryLimitError) as error:
        if isinstance(error, ApiError) and error.status != 400:
            raise  # 404/405 mean /query/ is missing: the caller falls back to /events/
        # Advisory only: a count PostHog cannot answer in time must not stop the read itself.
        read.context.sink.log("WARN", f"Project {project_id}: cannot check for late events ({error.message}).")
        return
    if int(count):
        read.context.sink.log(
            "WARN",
            f"Project {project_id}: {int(count)} event(s) ingested since the previous sync have timestamps from "
            f"{format_timestamp(parse_timestamp(first))} to {format_timestamp(parse_timestamp(last))}, older than "
            f"the {read.context.config.late_events_days}-day late-events window, and are not delivered. To recover "
            "them, reset the events stream; to deliver late arrivals this old from now on, raise late_events_days.",
        )
