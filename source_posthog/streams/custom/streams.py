"""The config's `custom_queries` as rows of the stream table, after the built-in ones (table.streams_for)."""

from collections.abc import Collection
from datetime import timedelta

from source_posthog.config.fields import CustomQuery
from source_posthog.config.model import Config
from source_posthog.errors import ConfigError
from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.stream import CustomSpec, Stream


def custom_streams(config: Config, taken: Collection[str]) -> tuple[Stream[CustomSpec], ...]:
    """One row per custom query; a name a built-in stream has is a config error (names are unique already)."""
    clash = [query.name for query in config.custom_queries if query.name in taken]
    if clash:
        raise ConfigError(
            f"custom_queries: {', '.join(map(repr, clash))} is already a built-in stream's name; choose another."
        )
    return tuple(custom_stream(query) for query in config.custom_queries)


def custom_stream(query: CustomQuery) -> Stream[CustomSpec]:
    """The row: /query/ (scope query:read), keyed by project and the query's key columns."""
    key = tuple(query.primary_key)
    spec = CustomSpec(query.query, key, query.cursor_field, timedelta(minutes=query.lookback_minutes))
    # Rows of two projects can share a key (the same warehouse table synced into both): project_id comes first.
    primary_key = ("project_id", *(column for column in key if column != "project_id"))
    return Stream(query.name, "query:read", EndpointClass.QUERY, spec, primary_key=primary_key)
