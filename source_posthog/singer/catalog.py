"""The Singer catalog: the stream table as `--discover` prints it, and the selection a `--catalog` makes.

Discovery marks the existing connector's seven streams (`Stream.original`) `selected` and `selected-by-default`,
the newer ones not: a catalog passed back unchanged reads what the Airbyte connector always read. Meltano
replaces `selected` by its own `select` rules. A stream is read when its `[]` breadcrumb says `selected: true`
(or, without a `selected` key, when it is selected by default). The replication method is the breadcrumb's
`replication-method` (or the entry's `replication_method`), else the forced one: INCREMENTAL for streams with a
cursor, FULL_TABLE otherwise. A property whose breadcrumb says `selected: false` is left out of the records,
unless it is a key or the replication key (inclusion `automatic`).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from source_posthog.errors import ConfigError
from source_posthog.streams.schemas import load_schema
from source_posthog.streams.stream import AnyStream
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME

METHODS = {"INCREMENTAL": "incremental", "FULL_TABLE": "full_refresh"}


def forced_method(stream: AnyStream) -> str:
    """INCREMENTAL for a stream with a cursor, FULL_TABLE otherwise."""
    return "INCREMENTAL" if stream.cursor_field else "FULL_TABLE"


def automatic(stream: AnyStream) -> set[str]:
    """Properties always delivered: the key and the replication key."""
    return set(stream.primary_key) | ({stream.cursor_field} if stream.cursor_field else set())


def build_catalog(
    streams: Sequence[AnyStream] = STREAMS, schemas: Mapping[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The Singer catalog of every stream; `schemas` holds the custom query streams' (sync/discovery.py)."""
    return {"streams": [describe(stream, (schemas or {}).get(stream.name)) for stream in streams]}


def describe(stream: AnyStream, fetched: dict[str, Any] | None = None) -> dict[str, Any]:
    """One catalog entry: schema, keys and metadata (stream breadcrumb, then one per property)."""
    schema = fetched or load_schema(stream.name)
    top: dict[str, Any] = {
        "inclusion": "available",
        "selected": stream.original,
        "selected-by-default": stream.original,
        "table-key-properties": list(stream.primary_key),
        "valid-replication-keys": [stream.cursor_field] if stream.cursor_field else [],
        "forced-replication-method": forced_method(stream),
    }
    metadata: list[dict[str, Any]] = [{"breadcrumb": [], "metadata": top}]
    always = automatic(stream)
    for name in schema.get("properties", {}):
        inclusion = "automatic" if name in always else "available"
        metadata.append({"breadcrumb": ["properties", name], "metadata": {"inclusion": inclusion}})
    entry: dict[str, Any] = {
        "tap_stream_id": stream.name,
        "stream": stream.name,
        "schema": schema,
        "key_properties": list(stream.primary_key),
        "metadata": metadata,
    }
    if stream.cursor_field:
        entry["replication_key"] = stream.cursor_field
        entry["replication_method"] = "INCREMENTAL"
    return entry


@dataclass(frozen=True)
class Selected:
    """A stream the catalog selects: its Airbyte-style sync mode and the properties it deselects."""

    stream: AnyStream
    sync_mode: str
    dropped: frozenset[str]


def default_selection() -> list[Selected]:
    """What a run without `--catalog` reads: the streams selected by default."""
    return [Selected(stream, METHODS[forced_method(stream)], frozenset()) for stream in STREAMS if stream.original]


def parse_catalog(raw: Any, streams: Sequence[AnyStream] = STREAMS) -> list[Selected]:
    """The selected streams of a Singer catalog, in `streams` order; unknown streams are config errors."""
    by_name = STREAMS_BY_NAME if streams is STREAMS else {stream.name: stream for stream in streams}
    entries = raw.get("streams") if isinstance(raw, dict) else None
    if not isinstance(entries, list):
        raise ConfigError("The Singer catalog must be an object with a streams list.")
    chosen: dict[str, Selected] = {}
    for entry in entries:
        selected = _selection(entry, by_name)
        if selected is not None:
            chosen[selected.stream.name] = selected
    return [chosen[stream.name] for stream in streams if stream.name in chosen]


def _selection(entry: Any, by_name: Mapping[str, AnyStream]) -> Selected | None:
    name = entry.get("tap_stream_id") or entry.get("stream") if isinstance(entry, dict) else None
    if not isinstance(name, str):
        raise ConfigError("Each Singer catalog entry needs a tap_stream_id.")
    stream = by_name.get(name)
    if stream is None:
        raise ConfigError(f"The catalog names an unknown stream {name!r}; this tap has: {', '.join(by_name)}.")
    breadcrumbs = {tuple(item.get("breadcrumb", ())): item.get("metadata", {}) for item in entry.get("metadata", [])}
    top = breadcrumbs.get((), {})
    selected = top.get("selected", entry.get("selected", top.get("selected-by-default", stream.original)))
    if not selected:
        return None
    method = top.get("replication-method") or entry.get("replication_method") or forced_method(stream)
    if method not in METHODS:
        raise ConfigError(
            f"Stream {name!r}: replication method {method!r} is not supported; use INCREMENTAL or FULL_TABLE."
        )
    sync_mode = METHODS[method] if stream.cursor_field else "full_refresh"
    always = automatic(stream)
    dropped = frozenset(
        crumb[1]
        for crumb, meta in breadcrumbs.items()
        if len(crumb) == 2 and crumb[0] == "properties" and meta.get("selected") is False and crumb[1] not in always
    )
    return Selected(stream, sync_mode, dropped)
