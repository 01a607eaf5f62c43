"""The stream table and the generic reader of the six full-refresh streams.

Each stream is one row: where it lives, how it is throttled and what PostHog needs in the query
string to list everything. Only `events` is incremental and has its own module. Offset lists can
shift while we read them (rows created mid-sync repeat a row on the next page), and org-scoped
annotations appear in every project's list, so every stream is deduplicated by its key within a sync.
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from source_posthog.client import ApiClient
from source_posthog.config import Config
from source_posthog.errors import ApiError
from source_posthog.pagination import iter_pages
from source_posthog.progress import Progress
from source_posthog.protocol import Output
from source_posthog.ratelimit import EndpointClass

PAGE_SIZE = "1000"  # PostHog's paginator has no maximum; 1000 keeps pages small and requests few

UUID_TEXT_LENGTH = 36  # persons are keyed by UUID text


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
    optional_params: Mapping[str, str] = field(default_factory=dict)
    """Parameters that make the read better but that PostHog might reject (400): then the pass is read
    again without them, and deduplication absorbs whatever the two attempts have in common."""
    shared_across_projects: bool = False
    """The same record can be listed by several projects, so duplicates are dropped across projects
    (otherwise the set of seen keys is reset per project, bounding memory by the largest project)."""
    per_project: bool = True
    primary_key: str = "id"
    cursor_field: str | None = None


STREAMS: tuple[Stream, ...] = (
    Stream("projects", "projects/", "project:read", params={"limit": PAGE_SIZE}, per_project=False),
    # Org-scoped annotations are listed by every project of the organization: keep the first sighting.
    Stream("annotations", "annotations/", "annotation:read", params={"limit": PAGE_SIZE}, shared_across_projects=True),
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
        params={"limit": PAGE_SIZE, "basic": "true"},
        optional_params={"order": "id"},
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
    progress: Progress


def read_full_refresh(stream: Stream, ctx: SyncContext) -> int:
    """Emit every record of a full-refresh stream once; return how many were emitted."""
    if not stream.per_project:
        for project in ctx.projects:
            ctx.output.record(stream.name, project)
        return len(ctx.projects)
    seen: set[Any] = set()
    emitted = duplicates = 0
    for project in ctx.projects:
        if not stream.shared_across_projects:
            seen.clear()
        for record in iter_project_records(stream, ctx, project["id"]):
            key = compact_key(record.get(stream.primary_key))
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            record["project_id"] = project["id"]
            ctx.output.record(stream.name, record)
            emitted += 1
    if duplicates:
        ctx.output.log(
            "INFO", f"Stream {stream.name}: dropped {duplicates} repeated records (same {stream.primary_key})."
        )
    return emitted


def iter_project_records(stream: Stream, ctx: SyncContext, project_id: int) -> Iterator[dict[str, Any]]:
    """Every record one project lists for the stream, over all passes (may repeat records)."""
    path = f"projects/{project_id}/{stream.path}"
    for extra in stream.passes:
        params = {**stream.params, **extra}
        try:
            yield from iter_records(ctx, stream, path, {**params, **stream.optional_params})
        except ApiError as error:
            if error.status != 400 or not stream.optional_params:
                raise
            ctx.output.log(
                "WARN",
                f"PostHog rejected {sorted(stream.optional_params)} for {stream.name} ({error.message}); "
                "reading again without, deduplicated by id.",
            )
            yield from iter_records(ctx, stream, path, params)


def iter_records(ctx: SyncContext, stream: Stream, path: str, params: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The records of every page of one list."""
    for page in iter_pages(ctx.client, path, params, stream.endpoint_class):
        yield from page
        ctx.progress.page(stream.name, len(page), path)


def compact_key(value: Any) -> Any:
    """The key as stored in a seen-set: a UUID string becomes its 128-bit int, other keys stay as they are.

    An int of 128 bits takes 44 bytes against 85 for the 36-character text; with the set's own slot
    that is ~90 instead of ~130 bytes per person, which matters for projects with millions of persons.
    """
    if isinstance(value, str) and len(value) == UUID_TEXT_LENGTH:
        try:
            return int(value.replace("-", ""), 16)
        except ValueError:
            return value
    return value
