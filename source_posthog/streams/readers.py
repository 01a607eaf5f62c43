"""Read or probe any stream of the table by its reader kind: the one dispatch, keyed by `Stream.reader`."""

from collections.abc import Callable, Iterator
from typing import Any

from source_posthog.errors import ApiError, ConfigError, Refusal
from source_posthog.streams.context import ReadContext
from source_posthog.streams.cursor_state import parse_dated_state
from source_posthog.streams.dated.recordings import probe_dated_stream, read_dated_stream
from source_posthog.streams.events.cursors import parse_events_state
from source_posthog.streams.events.read import probe_events, read_events
from source_posthog.streams.query.sql import build_query, run_query
from source_posthog.streams.rest.lists import probe_rest_stream, read_rest_stream
from source_posthog.streams.stream import Reader, Stream
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.streams.tables.reads import CursorRead, read_all_rows

NO_QUERY_API = "This PostHog instance has no POST /query/"


def read_hogql_stream(stream: Stream, context: ReadContext, sync_mode: str, stream_state: Any) -> int:
    """Emit every row of a HogQL table, per project, once; a row with a cursor in cursor order (hogql_reads.py).

    An instance without `/query/` answers the first query with 404 or 405; a row with a fallback is then
    read through it instead, a row without one delivers nothing (with a warning; check says so too).
    """
    try:
        return sum(project_counts(stream, context, sync_mode, stream_state))
    except ApiError as error:
        if error.refusal is not Refusal.ENDPOINT_MISSING:
            raise
        if stream.fallback is None:  # an old self-hosted instance: the other streams are still worth reading
            context.sink.log("WARN", f"{NO_QUERY_API}: stream {stream.name} has no records; deselect it.")
            return 0
    context.sink.log(
        "WARN",
        f"{NO_QUERY_API}: {stream.name} is read from the {stream.fallback.path} list instead "
        "(slower, and records deleted mid-read can shift others past it).",
    )
    return READERS[stream.fallback.reader](stream.fallback, context, "full_refresh", None)


def project_counts(stream: Stream, context: ReadContext, sync_mode: str, stream_state: Any) -> Iterator[int]:
    """Each project's record count, read in full or, for a row with a cursor, from its saved cursor."""
    project_ids = [int(project["id"]) for project in context.projects]
    if stream.cursor_field is None:
        yield from (read_all_rows(stream, context, project_id) for project_id in project_ids)
        return
    incremental = sync_mode == "incremental"
    cursors = parse_dated_state(stream, stream_state) if incremental and stream_state else {}
    read = CursorRead(stream, context, cursors, checkpoint=incremental)
    yield from (read.read_project(project_id) for project_id in project_ids)


def probe_hogql_stream(stream: Stream, context: ReadContext, project_id: int) -> str | None:
    """One single-row query of the table (check: does the key have query:read?); without /query/, the fallback.

    Only the fallback needs the fallback's scope (persons: person:read), so it is probed only where it is used.
    """
    try:
        run_query(context.queries, project_id, build_query(stream.hogql_table, "source-posthog check", 1))
    except ApiError as error:
        if error.refusal is not Refusal.ENDPOINT_MISSING:
            raise
        if stream.fallback is None:
            return f"{NO_QUERY_API} (HTTP {error.status}): stream {stream.name} cannot be read; deselect it."
        PROBES[stream.fallback.reader](stream.fallback, context, project_id)
        return f"{NO_QUERY_API} (HTTP {error.status}): {stream.name} will be read from the {stream.fallback.path} list."
    return None


# Every reader takes (stream, sync, sync_mode, stream_state); full-refresh readers ignore the last two.
READERS: dict[Reader, Callable[[Stream, ReadContext, str, Any], int]] = {
    Reader.REST: read_rest_stream,
    Reader.DATED: read_dated_stream,
    Reader.HOGQL: read_hogql_stream,
    Reader.EVENTS: read_events,
}
# A probe raises if the key cannot read the stream, and may return a note for check (how it will be read).
PROBES: dict[Reader, Callable[[Stream, ReadContext, int], str | None]] = {
    Reader.REST: probe_rest_stream,
    Reader.DATED: probe_dated_stream,
    Reader.HOGQL: probe_hogql_stream,
    Reader.EVENTS: probe_events,
}


def read_stream(stream: Stream, context: ReadContext, sync_mode: str, stream_state: Any) -> int:
    """Emit the stream's records (and STATE, if incremental); return how many records.

    A key without the stream's scope is the user's to fix, so that refusal names the stream it stops. A newer
    stream this instance does not have is skipped with one WARN: its endpoint answers before any record.
    """
    try:
        return READERS[stream.reader](stream, context, sync_mode, stream_state)
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


def missing_here(stream: Stream, error: ApiError) -> bool:
    """Does this instance lack a newer stream's endpoint (catch-all 404 "Endpoint not found.", or 405)?

    A project path answering DRF's "Not found." is a missing project instead (http/failures.py), and an
    original stream missing means no PostHog API at all: neither is skipped.
    """
    return error.refusal is Refusal.ENDPOINT_MISSING and not stream.original


def absence(stream: Stream, error: ApiError) -> str:
    """Why the instance has no such stream, for check and the skip warning."""
    answer = "HTTP 404 Endpoint not found." if error.status == 404 else f"HTTP {error.status}"
    if stream.only_on:
        return f"{stream.name} exist only on {stream.only_on} (this instance answers {answer})"
    return f"this PostHog instance has no {stream.path or stream.name} endpoint, too old for it (it answers {answer})"


def probe_stream(stream: Stream, context: ReadContext, project_id: int) -> str | None:
    """The smallest request that proves the key may read the stream (raises ApiError if not); a note, if any."""
    return PROBES[stream.reader](stream, context, project_id)


def parse_state(stream: Stream, stream_state: Any) -> None:
    """Raise a ConfigError if the stream's saved state is not one its reader can resume from.

    Every reader parses its state again when it starts; this is for before the first request, so that a
    malformed sessions or groups state fails the sync at once instead of after the streams before it.
    """
    if not stream_state:
        return
    if stream.reader is Reader.EVENTS:
        parse_events_state(stream_state)
    elif stream.cursor_field is not None:  # every other incremental reader keeps cursor_state.py's shape
        parse_dated_state(stream, stream_state)


def check_states(states: dict[str, Any]) -> None:
    """`parse_state` for every stream of the table that `states` holds (a state of an unknown stream is kept)."""
    for name, stream_state in states.items():
        if name in STREAMS_BY_NAME:
            parse_state(STREAMS_BY_NAME[name], stream_state)
