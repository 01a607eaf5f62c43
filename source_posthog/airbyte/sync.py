"""One `read`: streams in catalog order, each framed by STREAM_STATUS traces and closed by a summary line.

Streams are read one after another in `STREAMS` order: small lists first, then events, persons
last so a large persons list never delays events.
"""

from typing import Any

from source_posthog.airbyte.catalog import ConfiguredStream
from source_posthog.airbyte.messages import Output
from source_posthog.airbyte.progress import Progress
from source_posthog.config import Config
from source_posthog.http.client import ApiClient
from source_posthog.http.pacing import Pacer, limits_with
from source_posthog.http.stats import HttpStats
from source_posthog.streams.context import Sync
from source_posthog.streams.projects import list_projects
from source_posthog.streams.readers import read_stream


def make_client(config: Config, output: Output, max_tries: int | None = None) -> ApiClient:
    """The API client, paced to the configured share of PostHog's limits; each retry becomes a WARN log."""
    pacer = Pacer(limits_with(config.rate_limits.model_dump()), share=config.rate_limit_share)
    stats = HttpStats(on_warning=lambda message: output.log("WARN", message))
    key, concurrency = config.api_key.get_secret_value(), config.max_concurrent_queries
    return ApiClient(config.base_url, key, pacer, stats, query_concurrency=concurrency, max_tries=max_tries)


def start_sync(config: Config, client: ApiClient, output: Output) -> tuple[Sync, Progress]:
    """The sync's one shared object (client, output, progress, the projects it covers), and its progress."""
    progress = Progress(output, client.stats)
    return Sync(config, client, output, list_projects(client, config), progress), progress


def run_read(config: Config, streams: list[ConfiguredStream], state: dict[str, Any], output: Output) -> None:
    """Read every configured stream; an exception leaves the current stream INCOMPLETE and propagates."""
    sync, progress = start_sync(config, make_client(config, output), output)
    for configured in streams:
        name = configured.stream.name
        progress.begin(name)
        try:
            emitted = read_stream(configured.stream, sync, configured.sync_mode, state.get(name))
        except BaseException:
            progress.end(name, None)
            raise
        progress.end(name, emitted)
    progress.finish()
