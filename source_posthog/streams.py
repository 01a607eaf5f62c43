"""The stream table and the generic reader of the six full-refresh streams.

Each stream is one row: where it lives, how it is throttled and what PostHog needs in the query
string to list everything. Only `events` is incremental and has its own module. Offset lists can
shift while we read them (rows created or deleted mid-sync), and org-scoped annotations appear in
every project's list, so every full-refresh stream is deduplicated by `id` within a sync.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from source_posthog.client import ApiClient
from source_posthog.config import Config
from source_posthog.pagination import iter_pages
from source_posthog.protocol import Output
from source_posthog.ratelimit import EndpointClass

PAGE_SIZE = "1000"  # PostHog's paginator has no maximum; 1000 keeps pages small and requests few


@dataclass(frozen=True)
class Stream:
    """One PostHog list endpoint, read per project unless `per_project` is false."""

    name: str
    path: str
    """Path under /api/projects/{project_id}/ (or under /api/ for projects itself)."""
    scope: str
    """The personal API key scope PostHog requires; named by `check` when it is missing."""
    endpoint_class: EndpointClass = EndpointClass.CRUD
    params: Mapping[str, str] = field(default_factory=dict)
    passes: tuple[Mapping[str, str], ...] = ({},)
    """Extra query parameters for each complete pass over the list (feature flags need two)."""
    per_project: bool = True
    primary_key: str = "id"
    cursor_field: str | None = None


STREAMS: tuple[Stream, ...] = (
    Stream("projects", "projects/", "project:read", params={"limit": PAGE_SIZE}, per_project=False),
    Stream("annotations", "annotations/", "annotation:read", params={"limit": PAGE_SIZE}),
    Stream("cohorts", "cohorts/", "cohort:read", params={"limit": PAGE_SIZE}),
    # Archived flags are only listed with archived=true, which lists nothing else: two passes.
    Stream(
        "feature_flags",
        "feature_flags/",
        "feature_flag:read",
        params={"limit": PAGE_SIZE},
        passes=({}, {"archived": "true"}),
    ),
    # basic=true skips computing results; order=id makes offset paging stable (the default order is not).
    Stream(
        "insights",
        "insights/",
        "insight:read",
        EndpointClass.ANALYTICS,
        params={"limit": PAGE_SIZE, "basic": "true", "order": "id"},
    ),
    Stream("events", "query/", "query:read", EndpointClass.QUERY, cursor_field="timestamp"),
    # Last: a big persons list must not delay events.
    Stream("persons", "persons/", "person:read", EndpointClass.PERSONS, params={"limit": PAGE_SIZE}),
)
STREAMS_BY_NAME = {stream.name: stream for stream in STREAMS}


@dataclass
class SyncContext:
    """What every stream reader needs during one `read`."""

    config: Config
    client: ApiClient
    output: Output
    projects: list[dict[str, Any]]


def read_full_refresh(stream: Stream, ctx: SyncContext) -> int:
    """Emit every record of a full-refresh stream once; return how many were emitted."""
    if not stream.per_project:
        for project in ctx.projects:
            ctx.output.record(stream.name, project)
        return len(ctx.projects)
    seen: set[Any] = set()
    for project in ctx.projects:
        project_id = project["id"]
        for extra in stream.passes:
            params = {**stream.params, **extra}
            for page in iter_pages(ctx.client, f"projects/{project_id}/{stream.path}", params, stream.endpoint_class):
                for record in page:
                    key = record.get(stream.primary_key)
                    if key in seen:
                        continue
                    seen.add(key)
                    record["project_id"] = project_id
                    ctx.output.record(stream.name, record)
    return len(seen)
