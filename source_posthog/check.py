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
from source_posthog.streams import STREAMS


def run_check(client: ApiClient, config: Config) -> str:
    """Return a success summary, or raise ConnectorError describing what the user must fix."""
    try:
        projects = list_projects(client, config)
    except TransientError as error:
        raise ConfigError(
            f"Cannot get an answer from {config.base_url}: {error.message} "
            "Check base_url and that this machine can reach it."
        ) from None
    project_id = projects[0]["id"]
    problems = []
    for stream in STREAMS:
        if not stream.per_project:
            continue
        try:
            if stream.cursor_field:
                probe_query(client, project_id, datetime.now(UTC) - timedelta(minutes=1))
            else:
                client.get_json(
                    f"projects/{project_id}/{stream.path}", params={"limit": "1"}, endpoint_class=stream.endpoint_class
                )
        except ApiError as error:
            if error.status != 403:
                raise
            problems.append(f"stream {stream.name} needs scope {stream.scope} ({error.message})")
    if problems:
        raise ApiError(403, "The API key cannot read every stream: " + "; ".join(problems) + ".", "config_error")
    return f"Connected to {config.base_url}: {len(projects)} project(s) reachable, every stream readable."
