"""One read, for either protocol: the API client, the sync object, and the loop over the chosen streams.

The Airbyte and Singer entry points differ only in the writer they pass in (their message format) and in how
they turn a catalog and a state file into `(stream, sync_mode)` pairs and `{stream: stream_state}`.
Streams are read one after another in `STREAMS` order: small lists first, then events, persons last so a
large persons list never delays events.
"""

from typing import Any, Protocol

from source_posthog.config import Config
from source_posthog.http.client import ApiClient
from source_posthog.http.pacing import Pacer, limits_with
from source_posthog.http.stats import HttpStats
from source_posthog.streams.context import Sync
from source_posthog.streams.projects import list_projects
from source_posthog.streams.readers import read_stream
from source_posthog.streams.stream import Stream
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


def make_client(config: Config, writer: Writer, max_tries: int | None = None) -> ApiClient:
    """The API client, paced to the configured share of PostHog's limits; each retry becomes a WARN log."""
    pacer = Pacer(limits_with(config.rate_limits.model_dump()), share=config.rate_limit_share)
    stats = HttpStats(on_warning=lambda message: writer.log("WARN", message))
    key, concurrency = config.api_key.get_secret_value(), config.max_concurrent_queries
    return ApiClient(config.base_url, key, pacer, stats, query_concurrency=concurrency, max_tries=max_tries)


def start_sync(config: Config, client: ApiClient, writer: Writer) -> tuple[Sync, Progress]:
    """The sync's one shared object (client, writer, progress, the projects it covers), and its progress."""
    progress = Progress(writer, client.stats)
    return Sync(config, client, writer, list_projects(client, config), progress), progress


def read_streams(config: Config, streams: list[tuple[Stream, str]], state: dict[str, Any], writer: Writer) -> None:
    """Read every (stream, sync_mode); an exception leaves the current stream INCOMPLETE and propagates."""
    sync, progress = start_sync(config, make_client(config, writer), writer)
    for stream, sync_mode in streams:
        progress.begin(stream.name)
        try:
            emitted = read_stream(stream, sync, sync_mode, state.get(stream.name))
        except BaseException:
            progress.end(stream.name, None)
            raise
        progress.end(stream.name, emitted)
    progress.finish()
