"""Incoming state in every shape Airbyte or the existing connector ever saved, and the events cursor.

Accepted files: a list of per-stream STATE payloads (`{"type": "STREAM", "stream": {...}}`), a
GLOBAL payload's `stream_states`, a legacy list of `{"type": "LEGACY", "data": {...}}`, or a
plain dict keyed by stream name (`{"events": {...}}`). The events stream state is
`{"<project_id>": {"timestamp": T[, "uuid": U][, "late_check": {"from", "to", "count"}]}}`, optionally
with the pre-0.1.8 flat `{"timestamp": T}` that applies to projects without their own entry.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from source_posthog.config import read_json_file
from source_posthog.errors import ConfigError
from source_posthog.timestamps import format_timestamp, parse_timestamp

FLAT_KEY = None  # the key under which the legacy flat cursor is kept in `EventsState`


@dataclass(frozen=True)
class LateCheck:
    """How many events a sync counted in [start, end), a range the next sync does not re-read (late_events.py)."""

    start: datetime
    end: datetime
    count: int

    def to_state(self) -> dict[str, Any]:
        """The JSON form saved in STATE."""
        return {"from": format_timestamp(self.start), "to": format_timestamp(self.end), "count": self.count}


@dataclass(frozen=True)
class Cursor:
    """A position in one project's events, ordered by (timestamp, uuid).

    Without `uuid`, every event up to `timestamp` was read by a finished sync (ours or the existing
    connector's); with it, a sync stopped right after that event and resumes exactly there.
    """

    timestamp: datetime
    uuid: str | None = None
    late_check: LateCheck | None = None

    def to_state(self) -> dict[str, Any]:
        """The JSON form saved in STATE."""
        state: dict[str, Any] = {"timestamp": format_timestamp(self.timestamp)}
        if self.uuid is not None:
            state["uuid"] = self.uuid
        if self.late_check is not None:
            state["late_check"] = self.late_check.to_state()
        return state


EventsState = dict[int | None, Cursor]


def load_state(path: str | None) -> dict[str, Any]:
    """Read a state file into {stream name: stream_state}; no file means no state."""
    if path is None:
        return {}
    states = parse_state(read_json_file(path, "state"))
    if "events" in states:
        parse_events_state(states["events"])  # a malformed cursor fails now, before any request
    return states


def parse_state(raw: Any) -> dict[str, Any]:
    """Normalise any accepted state shape into {stream name: stream_state}."""
    if raw in (None, {}, []):
        return {}
    if isinstance(raw, dict):
        return _parse_plain_dict(raw)
    if isinstance(raw, list) and all(isinstance(item, dict) for item in raw):
        states: dict[str, Any] = {}
        for item in raw:
            states.update(_parse_message(item))
        return states
    raise ConfigError("The state must be a JSON list of STATE messages or an object keyed by stream name.")


def _parse_message(item: dict[str, Any]) -> dict[str, Any]:
    kind = item.get("type", "STREAM" if "stream" in item else "LEGACY")
    if kind == "STREAM":
        return dict([_stream_entry(item.get("stream"))])
    if kind == "GLOBAL":
        global_state = item.get("global") or {}
        return dict(_stream_entry(entry) for entry in global_state.get("stream_states") or [])
    if kind == "LEGACY" and isinstance(item.get("data"), dict):
        return _parse_plain_dict(item["data"])
    raise ConfigError(f"Unsupported state message type {kind!r}; expected STREAM, GLOBAL or LEGACY.")


def _stream_entry(entry: Any) -> tuple[str, Any]:
    try:
        name = entry["stream_descriptor"]["name"]
    except (KeyError, TypeError):
        raise ConfigError("A STREAM state has no stream_descriptor.name.") from None
    if not isinstance(name, str):
        raise ConfigError("A STREAM state's stream_descriptor.name must be a string.")
    return name, entry.get("stream_state") or {}


def _parse_plain_dict(raw: dict[str, Any]) -> dict[str, Any]:
    # A bare events state ({"<project_id>": {...}} or {"timestamp": ...}) saved without its stream name.
    if all(key == "timestamp" or key.isdigit() for key in raw):
        return {"events": raw}
    return raw


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
    return Cursor(timestamp, uuid if isinstance(uuid, str) else None, _parse_late_check(value.get("late_check")))


def _parse_late_check(value: Any) -> LateCheck | None:
    # Advisory only (it feeds a warning), so an unreadable one is dropped rather than failing the sync.
    try:
        return LateCheck(parse_timestamp(value["from"]), parse_timestamp(value["to"]), int(value["count"]))
    except (KeyError, TypeError, ValueError):
        return None


def events_state(cursors: EventsState) -> dict[str, Any]:
    """Build the events stream state from cursors, keeping the legacy flat cursor if one was given."""
    state: dict[str, Any] = {}
    for project_id, cursor in cursors.items():
        if project_id is FLAT_KEY:
            state["timestamp"] = format_timestamp(cursor.timestamp)
        else:
            state[str(project_id)] = cursor.to_state()
    return state
