"""Read, probe or check the state of any stream of the table: the one dispatch, keyed by the type of its spec."""

from collections.abc import Callable
from typing import Any

from source_posthog.errors import ApiError, ConfigError, Refusal
from source_posthog.streams.context import ReadContext
from source_posthog.streams.cursor_state import parse_dated_state
from source_posthog.streams.custom.cursor import parse_custom_state
from source_posthog.streams.custom.read import probe_custom_stream, read_custom_stream
from source_posthog.streams.dated.recordings import probe_dated_stream, read_dated_stream
from source_posthog.streams.events.cursors import parse_events_state
from source_posthog.streams.events.read import probe_events, read_events
from source_posthog.streams.rest.lists import probe_rest_stream, read_rest_stream
from source_posthog.streams.stream import AnyStream, CustomSpec, DatedSpec, EventsSpec, RestSpec, TableSpec
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.streams.tables.read import probe_table_stream, read_table_stream

# The reader of each spec type. Every reader takes (stream, context, sync_mode, stream_state); full-refresh
# readers ignore the last two.
READERS: dict[type, Callable[[AnyStream, ReadContext, str, Any], int]] = {
    RestSpec: read_rest_stream,
    DatedSpec: read_dated_stream,
    TableSpec: read_table_stream,
    EventsSpec: read_events,
    CustomSpec: read_custom_stream,
}
# A probe raises if the key cannot read the stream, and may return a note for check (how it will be read).
PROBES: dict[type, Callable[[AnyStream, ReadContext, int], str | None]] = {
    RestSpec: probe_rest_stream,
    DatedSpec: probe_dated_stream,
    TableSpec: probe_table_stream,
    EventsSpec: probe_events,
    CustomSpec: probe_custom_stream,
}


def read_stream(stream: AnyStream, context: ReadContext, sync_mode: str, stream_state: Any) -> int:
    """Emit the stream's records (and STATE, if incremental); return how many records.

    A key without the stream's scope is the user's to fix, so that refusal names the stream it stops. A newer
    stream this instance does not have is skipped with one WARN: its endpoint answers before any record.
    """
    try:
        return READERS[type(stream.read)](stream, context, sync_mode, stream_state)
    except ApiError as error:
        if missing_here(stream, error):
            context.sink.log("WARN", f"Stream {stream.name} skipped: {absence(stream, error)}.")
            return 0
        if error.refusal is not Refusal.MISSING_SCOPE:
            raise
        raise ConfigError(
            f"Stream {stream.name} cannot be read: the API key lacks the scope {error.scope}. Add it to the key in "
            "PostHog → Settings → Personal API keys, or deselect the stream.",
            internal_message=error.message,
        ) from None


def missing_here(stream: AnyStream, error: ApiError) -> bool:
    """Does this instance lack a newer stream's endpoint (catch-all 404 "Endpoint not found.", or 405)?

    A project path answering DRF's "Not found." is a missing project instead (http/failures.py), and an
    original stream missing means no PostHog API at all: neither is skipped.
    """
    return error.refusal is Refusal.ENDPOINT_MISSING and not stream.original


def absence(stream: AnyStream, error: ApiError) -> str:
    """Why the instance has no such stream, for check and the skip warning."""
    answer = "HTTP 404 Endpoint not found." if error.status == 404 else f"HTTP {error.status}"
    if stream.only_on:
        return f"{stream.name} exist only on {stream.only_on} (this instance answers {answer})"
    path = stream.read.path if isinstance(stream.read, RestSpec | DatedSpec) else stream.name
    return f"this PostHog instance has no {path} endpoint, too old for it (it answers {answer})"


def probe_stream(stream: AnyStream, context: ReadContext, project_id: int) -> str | None:
    """The smallest request that proves the key may read the stream (raises ApiError if not); a note, if any."""
    return PROBES[type(stream.read)](stream, context, project_id)


def parse_state(stream: AnyStream, stream_state: Any) -> None:
    """Raise a ConfigError if the stream's saved state is not one its reader can resume from.

    Every reader parses its state again when it starts; this is for before the first request, so that a
    malformed sessions or groups state fails the sync at once instead of after the streams before it.
    """
    if not stream_state:
        return
    if isinstance(stream.read, EventsSpec):
        parse_events_state(stream_state)
    elif isinstance(stream.read, CustomSpec):
        parse_custom_state(stream, stream_state)
    elif stream.cursor_field is not None:  # every other incremental reader keeps cursor_state.py's shape
        parse_dated_state(stream, stream_state)


def check_states(states: dict[str, Any]) -> None:
    """`parse_state` for every stream of the table that `states` holds (a state of an unknown stream is kept)."""
    for name, stream_state in states.items():
        if name in STREAMS_BY_NAME:
            parse_state(STREAMS_BY_NAME[name], stream_state)
