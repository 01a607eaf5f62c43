"""One read, for either protocol: the API client, the read context, and the loop over the chosen streams.

The Airbyte and Singer entry points differ only in the writer they pass in (their message format) and in how
they turn a catalog and a state file into `(stream, sync_mode)` pairs and `{stream: stream_state}`.
Streams are read one after another in `STREAMS` order: small lists first, then events, persons last so a
large persons list never delays events. A stream that fails is left INCOMPLETE and the others are still read
(sync/failures.py); the read then ends with one error naming every failed stream.
"""

from typing import Any, Protocol

from source_posthog.config.model import Config
from source_posthog.errors import ConnectorError
from source_posthog.http.client import ApiClient, ClientSettings
from source_posthog.http.pacing import Pacer, describe_wait, limits_with
from source_posthog.http.stats import HttpStats
from source_posthog.streams.context import ReadContext
from source_posthog.streams.projects import list_projects
from source_posthog.streams.readers import check_states, read_stream
from source_posthog.streams.stream import AnyStream
from source_posthog.sync.failures import as_connector_error, failed_streams_error, stops_sync
from source_posthog.sync.progress import Progress, StreamStatus


class Writer(Protocol):
    """A protocol's message writer: the readers' `Sink` plus the stream status that progress reports."""

    def record(self, stream: str, data: dict[str, Any]) -> None:
        """Write one record."""

    def state(self, stream: str, stream_state: dict[str, Any]) -> None:
        """Write a stream's whole state, after every record it covers."""

    def log(self, level: str, message: str) -> None:
        """Tell the user something."""

    def stream_status(self, stream: str, status: StreamStatus) -> None:
        """A stream started, is running, completed or stopped incomplete."""

    def stream_error(self, stream: str, error: ConnectorError) -> None:
        """A stream failed (it is INCOMPLETE); the sync goes on with the next one."""


def make_client(config: Config, writer: Writer, max_tries: int | None = None) -> ApiClient:
    """The API client, paced to the configured share of PostHog's limits; each retry is a WARN, a long wait an INFO."""
    pacer = Pacer(
        limits_with(config.rate_limits.model_dump()),
        share=config.rate_limit_share,
        on_long_wait=lambda *wait: writer.log("INFO", describe_wait(*wait)),
    )
    stats = HttpStats(on_warning=lambda message: writer.log("WARN", message))
    key, concurrency = config.api_key.get_secret_value(), config.max_concurrent_queries
    return ApiClient(
        config.base_url, key, pacer, stats, ClientSettings(query_concurrency=concurrency, max_tries=max_tries)
    )


def start_read(config: Config, client: ApiClient, writer: Writer) -> tuple[ReadContext, Progress]:
    """The read's one shared context (client, writer, progress, the projects it covers), and its progress."""
    progress = Progress(writer, client.stats)
    return ReadContext(config, client, writer, list_projects(client, config), progress), progress


def read_streams(config: Config, streams: list[tuple[AnyStream, str]], state: dict[str, Any], writer: Writer) -> None:
    """Read every (stream, sync_mode); a failed stream is INCOMPLETE and the rest are still read.

    Raises a config error at once (it would fail every later stream too), and after the last stream one
    ConnectorError naming the streams that failed.
    """
    check_states({stream.name: state.get(stream.name) for stream, _mode in streams})  # before any request
    context, progress = start_read(config, make_client(config, writer), writer)
    failed: dict[str, ConnectorError] = {}
    for stream, sync_mode in streams:
        error = read_one(stream, sync_mode, state, context, progress)
        if error is None:
            continue
        if stops_sync(error):
            raise error
        writer.stream_error(stream.name, error)
        failed[stream.name] = error
    progress.finish()
    if failed:
        raise failed_streams_error(failed, len(streams))


def read_one(
    stream: AnyStream, sync_mode: str, state: dict[str, Any], context: ReadContext, progress: Progress
) -> ConnectorError | None:
    """Read one stream, framed by its status; return why it failed, or None if it is COMPLETE."""
    progress.begin(stream.name)
    try:
        emitted = read_stream(stream, context, sync_mode, state.get(stream.name))
    except Exception as error:  # any failure of one stream is reported, not fatal to the others
        progress.end(stream.name, None)
        return as_connector_error(error)
    except BaseException:  # interrupted: nothing more is read
        progress.end(stream.name, None)
        raise
    progress.end(stream.name, emitted)
    return None
