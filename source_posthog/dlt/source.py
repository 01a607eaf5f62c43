"""`posthog(**config)`: the PostHog source for dlt, one resource per stream of the stream table and custom query.

Only what is specific to dlt lives here; each resource runs the same sync loop as the Airbyte and Singer front
ends (sync/run.py `read_streams`) for its one stream, through feed.py. dlt conventions (dlt documentation, "Resource"
and "Incremental loading" pages, checked with dlt 1.31): every resource declares its primary key; an incremental
stream (one with a cursor field) is loaded with the `merge` write disposition and keeps its state in
`dlt.current.resource_state()` under `stream_state`, holding exactly the Airbyte stream state, so a rerun resumes
where the last committed load left off and merge absorbs what is read again; full-refresh streams `replace`.
dlt commits resource state atomically with the data it covers (dlthub.com/docs/general-usage/incremental/
advanced-state); `dlt.secrets.get(name)` is None when no provider holds the name (dlt's secrets accessor).
`build_source` also hands back each stream's `Feed`, through which runs.py loads checkpoint by checkpoint and
keeps a failed stream from failing the others; a plain `pipeline.run(posthog(...))` does neither (feed.py).
"""

import logging
import threading
from collections.abc import Iterator
from typing import Any, cast

import dlt
from dlt.common.schema.typing import TColumnSchema
from dlt.extract.resource import DltResource
from dlt.extract.source import DltSource

from source_posthog.config.file import parse_config
from source_posthog.config.model import Config
from source_posthog.dlt.columns import column_hints
from source_posthog.dlt.feed import Feed, QueueWriter
from source_posthog.dlt.queue_writer import queue_batch_bytes
from source_posthog.errors import ConfigError, ConnectorError
from source_posthog.redaction import register_secret
from source_posthog.streams.stream import Stream
from source_posthog.streams.table import streams_for
from source_posthog.sync.discovery import custom_schemas, schema_for
from source_posthog.sync.progress import StreamStatus
from source_posthog.sync.run import read_streams

LOGGER = logging.getLogger("source_posthog.dlt")
STATE_KEY = "stream_state"
SECRET_NAME = "sources.posthog.api_key"  # noqa: S105 (where dlt keeps the key, not the key)


def log_to_logging(level: str, message: str) -> None:
    """The loop's log lines as Python logging records (what a dlt user configures)."""
    LOGGER.log(logging.getLevelName(level if level != "WARN" else "WARNING"), message)


def posthog(log: Any = log_to_logging, **config: Any) -> DltSource:
    """The PostHog source: `config` takes the keys of the connector's config.json.

    `api_key` may be left out: it is then read from dlt's secrets (`sources.posthog.api_key` in
    .dlt/secrets.toml, or the SOURCES__POSTHOG__API_KEY environment variable). `log(level, message)` hears progress.
    """
    return build_source(config, log)[0]


def build_source(config: dict[str, Any], log: Any, keep_going: bool = False) -> tuple[DltSource, dict[str, Feed]]:
    """The source, and the feed behind each of its resources (by stream name) for runs.py to steer."""
    if "api_key" not in config:
        config = {**config, "api_key": api_key_from_secrets()}
    parsed = parse_config(config, warn=lambda message: log("WARN", message))
    register_secret(parsed.api_key.get_secret_value())
    streams = streams_for(parsed)
    schemas = custom_schemas(parsed, LogWriter(log))  # a custom query's columns are PostHog's answer (none: no request)
    turn = threading.Lock()  # one stream reads at a time, within the configured share of PostHog's limits
    batch_bytes = queue_batch_bytes(parsed)  # the queued records within the memory budget
    feeds = {stream.name: Feed(log, turn, keep_going, batch_bytes) for stream in streams}
    resources = [stream_resource(parsed, stream, feeds[stream.name], schema_for(stream, schemas)) for stream in streams]
    return DltSource(dlt.Schema("posthog"), "source_posthog.dlt", resources), feeds


class LogWriter:
    """The writer of the custom queries' schema probes: they only log, and write no record or state."""

    def __init__(self, log: Any) -> None:
        self.log: Any = log

    def record(self, stream: str, data: dict[str, Any]) -> None:
        """Never called by a probe."""

    def state(self, stream: str, stream_state: dict[str, Any]) -> None:
        """Never called by a probe."""

    def stream_status(self, stream: str, status: StreamStatus) -> None:
        """Never called by a probe."""

    def stream_error(self, stream: str, error: ConnectorError) -> None:
        """Never called by a probe."""


def api_key_from_secrets() -> str:
    """The key from dlt's secrets, or a ConfigError saying where to put it."""
    key = dlt.secrets.get(SECRET_NAME, str)
    if not key:
        raise ConfigError(
            "api_key is missing: pass api_key=..., or set sources.posthog.api_key in .dlt/secrets.toml "
            "(or the SOURCES__POSTHOG__API_KEY environment variable)."
        )
    return str(key)


def stream_resource(config: Config, stream: Stream[Any], feed: Feed, schema: dict[str, Any]) -> DltResource:
    """The dlt resource of one stream, named as the stream, its columns from the stream's JSON schema."""
    incremental = stream.cursor_field is not None

    def items() -> Iterator[list[dict[str, Any]] | None]:
        resource_state = dlt.current.resource_state() if incremental else {}

        def read(writer: QueueWriter) -> None:
            mode = "incremental" if incremental else "full_refresh"
            read_streams(config, [(stream, mode)], {stream.name: resource_state.get(STATE_KEY)}, writer)

        def save_state(stream_state: dict[str, Any]) -> None:
            resource_state[STATE_KEY] = stream_state

        yield from feed.items(read, save_state)

    return dlt.resource(
        items,
        name=stream.name,
        primary_key=list(stream.primary_key),
        write_disposition="merge" if incremental else "replace",
        columns=cast(dict[str, TColumnSchema], column_hints(schema, stream.primary_key)),
    )
