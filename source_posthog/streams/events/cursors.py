"""The events stream state (a cursor per project, saved after every page) and what one events sync fixes.

    {"<project_id>": {"timestamp": T[, "uuid": U][, "ingested_at": W]}
     [, "event_filters": {"include": [...], "exclude": [...]}]}

optionally with the pre-0.1.8 flat `{"timestamp": T}` of the existing connector, which applies to projects
without their own entry. W is the ingestion watermark: every event ingested before W whose timestamp is
before T was delivered (late.py). A `late_check` entry of older versions is ignored.
`event_filters` records the filters the cursors were read with (filter.py).
Every save writes the whole stream state (all projects), so the last STATE on stdout is always a complete
resume point; the sink writes it after the records it covers.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from source_posthog.errors import ConfigError
from source_posthog.streams.context import ReadContext, Sink
from source_posthog.streams.events.filter import STATE_KEY, EventFilter
from source_posthog.streams.stream import EventsSpec, Stream
from source_posthog.streams.timestamps import format_timestamp, parse_timestamp

STREAM = "events"
FLAT_KEY = None  # the key under which the legacy flat cursor is kept in `EventsState`


@dataclass(frozen=True)
class Cursor:
    """A position in one project's events, ordered by (timestamp, uuid).

    Without `uuid`, every event up to `timestamp` was read by a finished sync (ours or the existing
    connector's); with it, a sync stopped right after that event and resumes exactly there. `ingested_at`
    (the watermark W) is absent in states written before the late-events sweep: such a sync does no sweep.
    """

    timestamp: datetime
    uuid: str | None = None
    ingested_at: datetime | None = None

    def to_state(self) -> dict[str, Any]:
        """The JSON form saved in STATE."""
        state: dict[str, Any] = {"timestamp": format_timestamp(self.timestamp)}
        if self.uuid is not None:
            state["uuid"] = self.uuid
        if self.ingested_at is not None:
            state["ingested_at"] = format_timestamp(self.ingested_at)
        return state


EventsState = dict[int | None, Cursor]


class Checkpoint:
    """The events cursors of every project; `save` records one project's progress and emits STATE."""

    def __init__(self, sink: Sink, cursors: EventsState, event_filter: EventFilter | None = None) -> None:
        self._sink = sink
        self._cursors = dict(cursors)
        self._filter = event_filter or EventFilter()

    def cursor(self, project_id: int) -> Cursor | None:
        """The project's own cursor, else the existing connector's flat cursor, else none."""
        return self._cursors.get(project_id) or self._cursors.get(FLAT_KEY)

    def save(self, project_id: int, cursor: Cursor) -> None:
        """Record `cursor` for the project and write the STATE that carries it."""
        self._cursors[project_id] = cursor
        self._sink.state(STREAM, events_state(self._cursors, self._filter))


@dataclass
class EventsRead:
    """One sync of the events stream: the sync, the stream's cursors, and the upper bound fixed at its start."""

    context: ReadContext
    stream: Stream[EventsSpec]
    checkpoint: Checkpoint
    upper: datetime
    legacy: bool = False
    """True once `/query/` proved missing: every later project is read from `/events/`."""
    event_filter: EventFilter = field(default_factory=EventFilter)
    """The event names this sync reads; every query and count applies it."""

    @property
    def lookback(self) -> timedelta:
        """How far before a finished cursor the next read starts."""
        return timedelta(minutes=self.context.config.events_lookback_minutes)

    @property
    def step(self) -> timedelta:
        """The widest window."""
        return timedelta(days=self.context.config.events_time_step)


def parse_events_state(stream_state: Any) -> EventsState:
    """Read the events stream state: per-project cursors, plus the flat legacy cursor under `None`."""
    if not isinstance(stream_state, dict):
        raise ConfigError('The events state must be an object such as {"<project_id>": {"timestamp": ...}}.')
    cursors: EventsState = {}
    if "timestamp" in stream_state:
        cursors[FLAT_KEY] = _parse_cursor({"timestamp": stream_state["timestamp"]}, "timestamp")
    for key, value in stream_state.items():
        if key.isdigit():
            cursors[int(key)] = _parse_cursor(value, key)
    return cursors


def _parse_cursor(value: Any, where: str) -> Cursor:
    if not isinstance(value, dict) or not isinstance(value.get("timestamp"), str):
        raise ConfigError(f"The events state entry {where!r} must be an object with a string timestamp.")
    try:
        timestamp = parse_timestamp(value["timestamp"])
    except ValueError:
        raise ConfigError(f"The events state entry {where!r} has an unreadable timestamp.") from None
    uuid = value.get("uuid")
    return Cursor(timestamp, uuid if isinstance(uuid, str) else None, _parse_watermark(value.get("ingested_at")))


def _parse_watermark(value: Any) -> datetime | None:
    # Unreadable means unknown: this sync then reads as before the sweep existed, and writes a fresh one.
    try:
        return parse_timestamp(value) if isinstance(value, str) else None
    except ValueError:
        return None


def events_state(cursors: EventsState, event_filter: EventFilter | None = None) -> dict[str, Any]:
    """Build the events stream state from cursors (and the filters they were read with), keeping a flat cursor."""
    recorded = event_filter.to_state() if event_filter else None
    state: dict[str, Any] = {STATE_KEY: recorded} if recorded else {}
    for project_id, cursor in cursors.items():
        if project_id is FLAT_KEY:
            state["timestamp"] = format_timestamp(cursor.timestamp)
        else:
            state[str(project_id)] = cursor.to_state()
    return state
