"""Incoming state in every envelope Airbyte or the existing connector ever saved, as {stream: stream_state}.

Accepted files: a list of per-stream STATE payloads (`{"type": "STREAM", "stream": {...}}`), a
GLOBAL payload's `stream_states`, a legacy list of `{"type": "LEGACY", "data": {...}}`, or a
plain dict keyed by stream name (`{"events": {...}}`). What a stream state holds is the stream's
business (`streams/events/cursors.py` for events; every stream's is checked by `streams/readers.check_states`).
"""

from typing import Any

from source_posthog.config.file import read_json_file
from source_posthog.errors import ConfigError
from source_posthog.streams.events.filter import STATE_KEY as EVENT_FILTERS_KEY
from source_posthog.streams.readers import check_states


def load_state(path: str | None) -> dict[str, Any]:
    """Read a state file into {stream name: stream_state}; no file means no state."""
    if path is None:
        return {}
    states = parse_state(read_json_file(path, "state"))
    check_states(states)  # a malformed cursor fails now, before any request
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
    if all(key in ("timestamp", EVENT_FILTERS_KEY) or key.isdigit() for key in raw):
        return {"events": raw}
    return raw
