"""The stream table: one row per stream, the single place that says how each stream is read.

A row names its reader (a REST list, a HogQL table, or events) and what varies between streams of that
reader. Adding a full-refresh REST stream is one row plus `schemas/<name>.json`; adding a HogQL stream is
one row (table, columns, key order) plus a schema. `discover`, `read` and `check` all iterate this table.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import Enum

from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.event_records import COLUMNS as EVENT_COLUMNS
from source_posthog.streams.hogql import HogQLTable, KeyColumn, KeyType

PAGE_SIZE = "1000"  # PostHog's paginator has no maximum; 1000 keeps pages small and requests few


class Reader(Enum):
    """How a stream is read."""

    REST = "rest"
    """An offset-paged list (`{"next", "results"}`) under /api/projects/{id}/, or under /api/ if not per project."""
    HOGQL = "hogql"
    """A HogQL table read through `/query/` by keyset on its key (hogql.py)."""
    EVENTS = "events"
    """The incremental events stream: windows, cursor per project, `/events/` fallback (events.py)."""


@dataclass(frozen=True)
class Stream:
    """One stream: its reader, and what that reader needs to know about it."""

    name: str
    reader: Reader
    scope: str
    """The personal API key scope PostHog requires; named by `check` when it is missing."""
    endpoint_class: EndpointClass
    """PostHog's throttle class, which paces every request of the stream."""
    path: str = ""
    """REST: path under /api/projects/{project_id}/ (under /api/ when not per project)."""
    params: Mapping[str, str] = field(default_factory=dict)
    """REST: query parameters of every request."""
    passes: tuple[Mapping[str, str], ...] = ({},)
    """REST: extra query parameters for each complete pass over the list (feature flags need two)."""
    optional_params: Mapping[str, str] = field(default_factory=dict)
    """REST: parameters that make the read better but that PostHog might reject (400): the pass is then read
    again without them, and deduplication absorbs whatever the two attempts have in common."""
    shared_across_projects: bool = False
    """REST: the same record can be listed by several projects, so duplicates are dropped across projects
    (otherwise the set of seen keys is reset per project, bounding memory by the largest project)."""
    per_project: bool = True
    table: HogQLTable | None = None
    """HOGQL and EVENTS: the HogQL table, its columns and its total key order."""
    primary_key: tuple[str, ...] = ("id",)
    cursor_field: str | None = None
    """Set for incremental streams."""

    @property
    def hogql_table(self) -> HogQLTable:
        """The table of a HOGQL or EVENTS row (a row of those readers without one is a bug in this table)."""
        if self.table is None:
            raise TypeError(f"Stream {self.name} names no HogQL table.")
        return self.table


EVENTS_TABLE = HogQLTable(
    "events", EVENT_COLUMNS, (KeyColumn("timestamp", KeyType.DATETIME), KeyColumn("uuid", KeyType.UUID))
)

PROJECTS = Stream(
    "projects", Reader.REST, "project:read", EndpointClass.CRUD, "projects/", {"limit": PAGE_SIZE}, per_project=False
)
STREAMS: tuple[Stream, ...] = (
    PROJECTS,
    # Org-scoped annotations are listed by every project of the organization: keep the first sighting.
    Stream(
        "annotations",
        Reader.REST,
        "annotation:read",
        EndpointClass.CRUD,
        "annotations/",
        {"limit": PAGE_SIZE},
        shared_across_projects=True,
    ),
    Stream("cohorts", Reader.REST, "cohort:read", EndpointClass.CRUD, "cohorts/", {"limit": PAGE_SIZE}),
    # Archived flags are only listed with archived=true, which lists nothing else: two passes.
    Stream(
        "feature_flags",
        Reader.REST,
        "feature_flag:read",
        EndpointClass.CRUD,
        "feature_flags/",
        {"limit": PAGE_SIZE},
        passes=({}, {"archived": "true"}),
    ),
    # basic=true skips computing results; order=id makes offset paging stable (the default order is not).
    Stream(
        "insights",
        Reader.REST,
        "insight:read",
        EndpointClass.ANALYTICS,
        "insights/",
        {"limit": PAGE_SIZE, "basic": "true"},
        optional_params={"order": "id"},
    ),
    Stream("events", Reader.EVENTS, "query:read", EndpointClass.QUERY, table=EVENTS_TABLE, cursor_field="timestamp"),
    # Last: a big persons list must not delay events.
    Stream("persons", Reader.REST, "person:read", EndpointClass.PERSONS, "persons/", {"limit": PAGE_SIZE}),
)
STREAMS_BY_NAME = {stream.name: stream for stream in STREAMS}
