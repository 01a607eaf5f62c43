"""One `read`: streams in order, each framed by STREAM_STATUS traces and closed by a summary line.

Streams are read one after another in `STREAMS` order: small lists first, then events, persons
last so a large persons list never delays events.
"""

from collections.abc import Callable
from typing import Any

from source_posthog.catalog import ConfiguredStream
from source_posthog.client import ApiClient
from source_posthog.config import Config
from source_posthog.events import read_events
from source_posthog.progress import Progress
from source_posthog.projects import list_projects
from source_posthog.protocol import Output
from source_posthog.ratelimit import Pacer, limits_with
from source_posthog.streams import SyncContext, read_full_refresh

Reader = Callable[[ConfiguredStream, SyncContext, Any], int]


def _read_full_refresh(configured: ConfiguredStream, ctx: SyncContext, _state: Any) -> int:
    return read_full_refresh(configured.stream, ctx)


READERS: dict[str, Reader] = {"events": read_events}


def make_client(config: Config, output: Output, max_tries: int | None = None) -> ApiClient:
    """The API client with a pacer sized to the configured share of PostHog's limits."""
    pacer = Pacer(limits_with(config.rate_limits.model_dump()), share=config.rate_limit_share)
    if max_tries is None:
        return ApiClient(config, output, pacer)
    return ApiClient(config, output, pacer, max_tries=max_tries)


def run_read(config: Config, streams: list[ConfiguredStream], state: dict[str, Any], output: Output) -> None:
    """Read every configured stream; an exception leaves the current stream INCOMPLETE and propagates."""
    client = make_client(config, output)
    progress = Progress(output, client)
    ctx = SyncContext(config, client, output, list_projects(client, config), progress)
    for configured in streams:
        name = configured.stream.name
        reader = READERS.get(name, _read_full_refresh)
        progress.begin(name)
        try:
            emitted = reader(configured, ctx, state.get(name))
        except BaseException:
            progress.end(name, None)
            raise
        progress.end(name, emitted)
    progress.finish()
