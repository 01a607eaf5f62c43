"""`check`: prove that a read would work — the key, at least one project, and every stream's scope.

Each stream is probed with one tiny request against the first project, so a missing scope is
reported with the scope's name and the stream it blocks, instead of failing hours into a sync.
"""

from datetime import UTC, datetime, timedelta

from source_posthog.client import ApiClient
from source_posthog.config import Config
from source_posthog.errors import ApiError, ConfigError, TransientError
from source_posthog.events import probe_query
from source_posthog.projects import list_projects
from source_posthog.streams import STREAMS, STREAMS_BY_NAME, Stream

PROBE_PARAMS = {"limit": "1"}


def run_check(client: ApiClient, config: Config) -> str:
    """Return a success summary, or raise ConnectorError describing what the user must fix."""
    try:
        projects = list_projects(client, config)
    except TransientError as error:
        raise ConfigError(
            f"Cannot get an answer from {config.base_url}: {error.message} "
            "Check base_url and that this machine can reach it."
        ) from None
    except ApiError as error:
        if error.status == 403 and STREAMS_BY_NAME["projects"].scope in error.message:
            raise ConfigError(f"{blocked(STREAMS_BY_NAME['projects'])}: {error.message}") from None
        raise
    project_id = projects[0]["id"]
    problems = [problem for stream in STREAMS if stream.per_project and (problem := probe(client, stream, project_id))]
    if problems:
        raise ConfigError("The API key cannot read every stream: " + "; ".join(problems))
    return f"Connected to {config.base_url}: {len(projects)} project(s) reachable, every stream readable."


def probe(client: ApiClient, stream: Stream, project_id: int) -> str | None:
    """Read the smallest page of one stream; return the problem a 403 reveals, else None."""
    try:
        if stream.cursor_field:
            probe_query(client, project_id, datetime.now(UTC) - timedelta(minutes=1))
        else:
            path = f"projects/{project_id}/{stream.path}"
            client.get_json(path, params={**stream.params, **PROBE_PARAMS}, endpoint_class=stream.endpoint_class)
    except ApiError as error:
        if error.status != 403:
            raise
        if stream.scope in error.message:
            return f"{blocked(stream)}."
        return f"stream {stream.name} is refused for project {project_id}: {error.message}"
    return None


def blocked(stream: Stream) -> str:
    """How check names a missing scope: the scope, and the stream it blocks."""
    return (
        f"missing scope {stream.scope} blocks stream {stream.name} (add it to the key in PostHog → Settings → "
        "Personal API keys, or deselect the stream)"
    )
