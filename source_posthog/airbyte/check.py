"""`check`: prove that a read would work — the key, at least one project, and every stream's scope.

Each stream is probed with one tiny request against the first project, so a missing scope is
reported with the scope's name and the stream it blocks, instead of failing hours into a sync.
"""

from source_posthog.airbyte.messages import Output
from source_posthog.airbyte.sync import start_sync
from source_posthog.config import Config
from source_posthog.errors import ApiError, ConfigError, Refusal, TransientError
from source_posthog.http.client import ApiClient
from source_posthog.streams.context import Sync
from source_posthog.streams.readers import probe_stream
from source_posthog.streams.table import PROJECTS, STREAMS, Stream


def run_check(client: ApiClient, config: Config, output: Output) -> str:
    """Return a success summary, or raise ConnectorError describing what the user must fix."""
    try:
        sync, _progress = start_sync(config, client, output)
    except TransientError as error:  # the message already names the cause and what to check, once
        raise ConfigError(error.message) from None
    except ApiError as error:
        if error.refusal is Refusal.MISSING_SCOPE and error.scope == PROJECTS.scope:
            raise ConfigError(f"{blocked(PROJECTS)}: {error.message}") from None
        raise
    project_id = sync.projects[0]["id"]
    problems = [problem for stream in STREAMS if stream.per_project and (problem := probe(stream, sync, project_id))]
    if problems:
        raise ConfigError("The API key cannot read every stream: " + "; ".join(problems))
    return f"Connected to {config.base_url}: {len(sync.projects)} project(s) reachable, every stream readable."


def probe(stream: Stream, sync: Sync, project_id: int) -> str | None:
    """Probe one stream; return the problem a 403 reveals, else None."""
    try:
        probe_stream(stream, sync, project_id)
    except ApiError as error:
        if error.status != 403:
            raise
        if error.scope == stream.scope:
            return f"{blocked(stream)}."
        return f"stream {stream.name} is refused for project {project_id}: {error.message}"
    return None


def blocked(stream: Stream) -> str:
    """How check names a missing scope: the scope, and the stream it blocks."""
    return (
        f"missing scope {stream.scope} blocks stream {stream.name} (add it to the key in PostHog → Settings → "
        "Personal API keys, or deselect the stream)"
    )
