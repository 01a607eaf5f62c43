"""What a custom query returns, asked of PostHog with one cheap query: its column names and ClickHouse types.

`SELECT * FROM (<query>) LIMIT 1` costs what one row of the query costs (no full scan for a plain filter; an
aggregate still aggregates), so `discover`, `check` and each project's read can afford it. PostHog's refusal
of the query (400, a missing table, not a SELECT) is the user's to fix: a config_error that names the stream
and quotes PostHog's own message.
"""

from dataclasses import dataclass
from typing import Any

from source_posthog.errors import ApiError, ConfigError
from source_posthog.streams.custom.columns import key_type, record_schema
from source_posthog.streams.query.client import QueryPoster
from source_posthog.streams.query.sql import HogQLTable, KeyColumn, hogql_body, run_query
from source_posthog.streams.stream import CustomSpec, Stream

QUERY_NAME = "source-posthog custom"  # every request of a custom stream is named so in PostHog's query log


@dataclass(frozen=True)
class Shape:
    """A custom query's result columns, in order, with their ClickHouse types."""

    types: tuple[tuple[str, str], ...]

    def type_of(self, column: str) -> str:
        """The ClickHouse type of a result column."""
        return dict(self.types)[column]


def subquery(spec: CustomSpec) -> str:
    """The user's query as a FROM source."""
    return f"({spec.query})"


def fetch_shape(stream: Stream[CustomSpec], queries: QueryPoster, project_id: int) -> Shape:
    """The query's columns and types in this project; a refusal or a key naming no column is a ConfigError."""
    body = hogql_body(f"SELECT * FROM {subquery(stream.read)} LIMIT 1", {}, f"{QUERY_NAME} {stream.name} columns")  # noqa: S608
    try:
        answer = run_query(queries, project_id, body)
    except ApiError as error:
        if error.status != 400:  # a missing scope, project or /query/ itself: the readers' business
            raise
        raise ConfigError(
            f"Custom query stream {stream.name}: PostHog refused its query in project {project_id}: {error.message}",
            internal_message=error.message,
        ) from None
    shape = Shape(tuple(_types(answer, stream.name)))
    missing = [name for name in (*stream.read.key, *_cursor(stream)) if name not in dict(shape.types)]
    if missing:
        columns = ", ".join(name for name, _ in shape.types)
        raise ConfigError(
            f"Custom query stream {stream.name}: its primary_key/cursor_field name {', '.join(missing)}, which the "
            f"query does not return (its columns: {columns})."
        )
    return shape


def _cursor(stream: Stream[CustomSpec]) -> tuple[str, ...]:
    return (stream.read.cursor_field,) if stream.read.cursor_field else ()


def _types(answer: dict[str, Any], name: str) -> list[tuple[str, str]]:
    """`types` as (column, type) pairs; an answer without them (older instances) types every column as any."""
    columns, types = answer.get("columns"), answer.get("types")
    if not isinstance(columns, list):
        raise ConfigError(f"Custom query stream {name}: PostHog's answer names no columns.")
    if isinstance(types, list) and len(types) == len(columns):
        return [(str(column), _type_name(pair)) for column, pair in zip(columns, types, strict=True)]
    return [(str(column), "") for column in columns]


def _type_name(pair: Any) -> str:
    """`[name, type]` as PostHog sends it; a bare type string is accepted too."""
    return str(pair[1]) if isinstance(pair, list) and len(pair) == 2 else str(pair)


def schema_of(stream: Stream[CustomSpec], queries: QueryPoster, project_id: int) -> dict[str, Any]:
    """The stream's JSON schema, from the types PostHog reports for the query."""
    return record_schema(list(fetch_shape(stream, queries, project_id).types), stream.read.key)


def table_of(stream: Stream[CustomSpec], shape: Shape, order: tuple[str, ...]) -> HogQLTable:
    """The query as a keyset-readable table: its rows whole, in `order` (key, or cursor then key)."""
    key = tuple(KeyColumn(name, key_type(shape.type_of(name))) for name in order)
    columns = tuple(name for name, _ in shape.types)
    # The name tags every page request (`source-posthog custom <stream>`) and the messages about its pages.
    return HogQLTable(f"custom {stream.name}", columns, key, source=subquery(stream.read))
