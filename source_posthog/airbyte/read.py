"""One Airbyte `read`: the configured catalog's streams through the shared loop in sync/run.py."""

from typing import Any

from source_posthog.airbyte.catalog import ConfiguredStream
from source_posthog.airbyte.messages import Output
from source_posthog.config.model import Config
from source_posthog.sync.run import read_streams


def run_read(config: Config, streams: list[ConfiguredStream], state: dict[str, Any], output: Output) -> None:
    """Read every configured stream; an exception leaves the current stream INCOMPLETE and propagates."""
    read_streams(config, [(configured.stream, configured.sync_mode) for configured in streams], state, output)
