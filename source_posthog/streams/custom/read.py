"""Read or probe a custom query stream: per project, in full by keyset on its key, or incrementally (cursor.py).

Full refresh wraps the query: `SELECT * FROM (<query>) WHERE (key) > (last) ORDER BY key LIMIT n+1`, the
keyset pages of query/keyset.py (the extra row says whether more exist; no OFFSET), shrinking a page that
PostHog cannot finish in time as the HogQL tables do (tables/scans.py). A key that repeats on a page is not
a row PostHog stored twice but a key that does not identify rows: the repeats are dropped and named in a WARN.
"""

from typing import Any

from source_posthog.streams.context import ReadContext
from source_posthog.streams.custom.cursor import read_from_cursor
from source_posthog.streams.custom.pages import RepeatedKeys, write_page
from source_posthog.streams.custom.probe import fetch_shape, table_of
from source_posthog.streams.query.keyset import TableScan
from source_posthog.streams.stream import CustomSpec, Stream
from source_posthog.streams.tables.scans import iter_shrinking_pages, page_rows


def read_custom_stream(stream: Stream[CustomSpec], context: ReadContext, sync_mode: str, stream_state: Any) -> int:
    """Emit the query's rows of every project, once each; STATE after each page when incremental."""
    if stream.read.cursor_field is not None:
        return read_from_cursor(
            stream, context, sync_mode == "incremental", stream_state, rows_per_page(stream, context)
        )
    project_ids = [int(project["id"]) for project in context.projects]
    return sum(read_all_rows(stream, context, project_id) for project_id in project_ids)


def rows_per_page(stream: Stream[CustomSpec], context: ReadContext) -> int:
    """The rows per page the HogQL tables use (the spec's `page_rows`, lowered to `events_page_size`)."""
    return page_rows(stream, context)


def read_all_rows(stream: Stream[CustomSpec], context: ReadContext, project_id: int) -> int:
    """One project's rows in key order; returns how many were written."""
    shape = fetch_shape(stream, context.queries, project_id)
    scan = TableScan(
        context.queries, project_id, table_of(stream, shape, stream.read.key), rows_per_page(stream, context)
    )
    repeated = RepeatedKeys(stream, project_id)
    emitted = sum(write_page(stream, context, project_id, page, repeated) for page in iter_shrinking_pages(scan))
    repeated.warn(context.sink)
    return emitted


def probe_custom_stream(stream: Stream[CustomSpec], context: ReadContext, project_id: int) -> str | None:
    """`check`: run the query with LIMIT 1 (raises a ConfigError naming the stream if PostHog refuses it)."""
    fetch_shape(stream, context.queries, project_id)
    return None
