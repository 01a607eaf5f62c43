"""Which projects a sync covers.

`GET /api/projects/` lists the projects of the key owner's current organization, and refuses
keys scoped to projects (403) — and no other endpoint tells such a key which projects it may read.
Such keys must name their projects in `project_ids`; each one is then fetched directly
(`GET /api/projects/{id}/`), so an unreachable project fails with its id in the message.
"""

from typing import Any

from source_posthog.config.model import Config
from source_posthog.errors import ApiError, ConfigError, Refusal
from source_posthog.http.client import ApiClient
from source_posthog.http.pagination import iter_pages
from source_posthog.streams.table import PROJECTS


def list_projects(client: ApiClient, config: Config) -> list[dict[str, Any]]:
    """The project records to sync, in id order; at least one, or a ConfigError."""
    wanted = dict.fromkeys(config.project_ids)  # a project listed twice is still synced once
    projects = [fetch_project(client, project_id) for project_id in wanted] or _list_all(client)
    if not projects:
        raise ConfigError("The API key can reach no project. Check the key's organization and project access.")
    return sorted(projects, key=lambda project: int(project["id"]))


def fetch_project(client: ApiClient, project_id: int) -> dict[str, Any]:
    """One project by id; a 403/404 becomes an error naming the project."""
    try:
        project = client.get_json(f"{PROJECTS.read.path}{project_id}/", endpoint_class=PROJECTS.endpoint_class)
    except ApiError as error:
        if error.status in (403, 404) and error.refusal is not Refusal.MISSING_SCOPE:
            raise ConfigError(
                f"Project {project_id} from project_ids is not reachable with this key: {error.message}"
            ) from None
        raise
    if not isinstance(project, dict) or "id" not in project:
        raise ConfigError(f"Project {project_id} returned an unexpected response.")
    return project


def _list_all(client: ApiClient) -> list[dict[str, Any]]:
    try:
        pages = iter_pages(client, PROJECTS.read.path, dict(PROJECTS.read.params), PROJECTS.endpoint_class)
        return [project for page in pages for project in page]
    except ApiError as error:
        if error.refusal is Refusal.PROJECT_SCOPED_KEY:
            raise ConfigError(
                "This API key is limited to specific projects, and PostHog does not let such keys "
                "list projects. Set project_ids in the config to the ids of those projects."
            ) from None
        raise
