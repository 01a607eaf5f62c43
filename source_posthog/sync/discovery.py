"""The JSON schemas of the config's custom query streams, asked of PostHog (one `LIMIT 1` query each).

A custom stream's columns are whatever its query returns, so `discover` (both protocols) and a Singer sync's
SCHEMA messages ask the first project; the built-in streams keep their files (streams/schemas.py).
"""

from typing import Any

from source_posthog.config.model import Config
from source_posthog.errors import ConfigError
from source_posthog.streams.custom.probe import schema_of
from source_posthog.streams.custom.streams import custom_streams
from source_posthog.streams.schemas import load_schema
from source_posthog.streams.stream import AnyStream
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.sync.run import Writer, make_client, start_read

Schemas = dict[str, dict[str, Any]]


def custom_schemas(config: Config, writer: Writer, max_tries: int | None = None) -> Schemas:
    """{stream name: JSON schema} of every custom query stream; {} without any (and without a request)."""
    streams = custom_streams(config, STREAMS_BY_NAME)
    if not streams:
        return {}
    context, _progress = start_read(config, make_client(config, writer, max_tries), writer)
    if not context.projects:
        raise ConfigError("The custom query streams need a project to describe them; the key lists none.")
    project_id = int(context.projects[0]["id"])
    return {stream.name: schema_of(stream, context.queries, project_id) for stream in streams}


def schema_for(stream: AnyStream, schemas: Schemas) -> dict[str, Any]:
    """A custom stream's fetched schema, else the built-in stream's file."""
    return schemas.get(stream.name) or load_schema(stream.name)
