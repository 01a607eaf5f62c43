"""The discovered catalog, and the configured catalog a `read` receives."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from source_posthog.config.file import read_json_file
from source_posthog.errors import ConfigError
from source_posthog.streams.schemas import load_schema
from source_posthog.streams.stream import AnyStream
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME

SYNC_MODES = ("full_refresh", "incremental")


def build_catalog(
    streams: Sequence[AnyStream] = STREAMS, schemas: Mapping[str, dict[str, Any]] | None = None
) -> dict[str, Any]:
    """The CATALOG: every stream with its schema, sync modes, primary key and cursor.

    `schemas` holds the custom query streams' schemas (sync/discovery.py); the others come from their files.
    """
    return {"streams": [_describe(stream, (schemas or {}).get(stream.name)) for stream in streams]}


def _describe(stream: AnyStream, schema: dict[str, Any] | None = None) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "name": stream.name,
        "json_schema": schema or load_schema(stream.name),
        "supported_sync_modes": ["full_refresh"],
        "source_defined_primary_key": [[name] for name in stream.primary_key],
        "is_resumable": stream.cursor_field is not None,
    }
    if stream.cursor_field:
        entry["supported_sync_modes"].append("incremental")
        entry["source_defined_cursor"] = True
        entry["default_cursor_field"] = [stream.cursor_field]
    return entry


@dataclass(frozen=True)
class ConfiguredStream:
    """A stream the user selected, with the sync mode they chose."""

    stream: AnyStream
    sync_mode: str


def load_configured_catalog(path: str, streams: Sequence[AnyStream] = STREAMS) -> list[ConfiguredStream]:
    """Read and check a configured catalog; unknown streams or modes are config errors."""
    return parse_configured_catalog(read_json_file(path, "catalog"), streams)


def parse_configured_catalog(raw: Any, streams: Sequence[AnyStream] = STREAMS) -> list[ConfiguredStream]:
    """Check an already-decoded configured catalog and return its streams in our read order (`streams`')."""
    by_name = STREAMS_BY_NAME if streams is STREAMS else {stream.name: stream for stream in streams}
    entries = raw.get("streams") if isinstance(raw, dict) else None
    if not isinstance(entries, list) or not entries:
        raise ConfigError("The catalog must be an object with a non-empty streams list.")
    chosen: dict[str, ConfiguredStream] = {}
    for entry in entries:
        name, sync_mode = _name_and_mode(entry)
        stream = by_name.get(name)
        if stream is None:
            known = ", ".join(by_name)
            raise ConfigError(f"The catalog names an unknown stream {name!r}; this source has: {known}.")
        if sync_mode not in SYNC_MODES:
            raise ConfigError(
                f"Stream {name!r} does not support sync_mode {sync_mode!r}; use one of: {', '.join(SYNC_MODES)}."
            )
        # PyAirbyte asks `incremental` of every stream; like the CDK, read a stream without a cursor in full.
        chosen[name] = ConfiguredStream(stream, sync_mode if stream.cursor_field else "full_refresh")
    return [chosen[stream.name] for stream in streams if stream.name in chosen]


def _name_and_mode(entry: Any) -> tuple[str, str]:
    try:
        name, sync_mode = entry["stream"]["name"], entry["sync_mode"]
    except (KeyError, TypeError):
        raise ConfigError("Each catalog entry needs stream.name and sync_mode.") from None
    if not isinstance(name, str) or not isinstance(sync_mode, str):
        raise ConfigError("Catalog stream.name and sync_mode must be strings.")
    return name, sync_mode
