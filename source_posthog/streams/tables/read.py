"""The HogQL-table reader's entry points: read or probe a table stream, or its REST fallback without `/query/`."""

from collections.abc import Iterator
from typing import Any

from source_posthog.errors import ApiError, Refusal
from source_posthog.streams.context import ReadContext
from source_posthog.streams.cursor_state import parse_dated_state
from source_posthog.streams.query.bounded import bound_query
from source_posthog.streams.query.keyset import TableScan
from source_posthog.streams.query.sql import build_query, run_query
from source_posthog.streams.rest.lists import probe_rest_stream, read_rest_stream
from source_posthog.streams.stream import Stream, TableSpec
from source_posthog.streams.tables.scans import CursorRead, read_all_rows

NO_QUERY_API = "This PostHog instance has no POST /query/"


def read_table_stream(stream: Stream[TableSpec], context: ReadContext, sync_mode: str, stream_state: Any) -> int:
    """Emit every row of a HogQL table, per project, once; a row with a cursor in cursor order (scans.py).

    An instance without `/query/` answers the first query with 404 or 405; a row with a fallback is then
    read through it instead, a row without one delivers nothing (with a warning; check says so too).
    """
    try:
        count = sum(project_counts(stream, context, sync_mode, stream_state))
        for table in (stream.read.table, *stream.read.more_tables):
            if warning := context.queries.budget.report(table.name):
                context.sink.log("WARN", warning)  # rows each heavier than a page's memory budget, read alone
        return count
    except ApiError as error:
        if error.refusal is not Refusal.ENDPOINT_MISSING:
            raise
        if stream.read.fallback is None:  # an old self-hosted instance: the other streams are still worth reading
            context.sink.log("WARN", f"{NO_QUERY_API}: stream {stream.name} has no records; deselect it.")
            return 0
    context.sink.log(
        "WARN",
        f"{NO_QUERY_API}: {stream.name} is read from the {stream.read.fallback.read.path} list instead "
        "(slower, and records deleted mid-read can shift others past it).",
    )
    return read_rest_stream(stream.read.fallback, context, "full_refresh", None)


def project_counts(stream: Stream[TableSpec], context: ReadContext, sync_mode: str, stream_state: Any) -> Iterator[int]:
    """Each project's record count, read in full or, for a row with a cursor, from its saved cursor."""
    project_ids = [int(project["id"]) for project in context.projects]
    if stream.cursor_field is None:
        yield from (read_all_rows(stream, context, project_id) for project_id in project_ids)
        return
    incremental = sync_mode == "incremental"
    cursors = parse_dated_state(stream, stream_state) if incremental and stream_state else {}
    read = CursorRead(stream, context, cursors, checkpoint=incremental)
    yield from (read.read_project(project_id) for project_id in project_ids)


def probe_table_stream(stream: Stream[TableSpec], context: ReadContext, project_id: int) -> str | None:
    """One single-row query of the table (check: does the key have query:read?); without /query/, the fallback.

    Only the fallback needs the fallback's scope (persons: person:read), so it is probed only where it is used.
    """
    table = stream.read.table
    # A persons query without WHERE aggregates every stored person (a 504 on a large project): probe the
    # stored table's first key instead, which needs the same query:read (query/bounded.py).
    probe = bound_query(TableScan(context.queries, project_id, table, 1), 1, None) if table.raw else None
    try:
        run_query(context.queries, project_id, probe or build_query(table, "source-posthog check", 1))
    except ApiError as error:
        if error.refusal is not Refusal.ENDPOINT_MISSING:
            raise
        if stream.read.fallback is None:
            return f"{NO_QUERY_API} (HTTP {error.status}): stream {stream.name} cannot be read; deselect it."
        probe_rest_stream(stream.read.fallback, context, project_id)
        path = stream.read.fallback.read.path
        return f"{NO_QUERY_API} (HTTP {error.status}): {stream.name} will be read from the {path} list."
    return None
