"""What a stream is: the fields every stream has, and ONE read spec whose type chooses the reader (readers.py).

A spec holds only what its reader reads, so a REST list with a HogQL table, or a HogQL table with a path,
cannot be written. `Stream` is generic in its spec so that each reader is typed for the rows it reads; the
table (table.py) holds `Stream[Any]`, and the dispatch by the spec's type is what makes that safe.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Generic, TypeVar

from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.query.sql import HogQLTable
from source_posthog.streams.specs import IdsOf, Pass, Shape


@dataclass(frozen=True)
class RestSpec:
    """An offset-paged list (`{"next", "results"}`) under /api/projects/{id}/, or /api/ if not per project."""

    path: str
    params: Mapping[str, str] = field(default_factory=dict)
    """Query parameters of every request."""
    passes: tuple[Pass, ...] = (Pass(),)
    """Each a complete pass over the list (feature flags and experiments need two)."""
    optional_params: Mapping[str, str] = field(default_factory=dict)
    """Parameters that make the read better but that PostHog might reject (400): the pass is then read again
    without them, and deduplication absorbs whatever the two attempts have in common."""
    shared_across_projects: bool = False
    """The same record can be listed by several projects, so duplicates are dropped across projects
    (otherwise the set of seen keys is reset per project, bounding memory by the largest project)."""
    backref: "Backref | None" = None
    """Ids gathered from another stream's records into each record (see Backref)."""
    unpaginated: bool = False
    """The answer is one plain JSON list, not pages (groups_types/)."""


@dataclass(frozen=True)
class DatedSpec:
    """A list bounded by `date_from`/`date_to`, paged by `has_next` + offset, read incrementally (dated/)."""

    path: str
    params: Mapping[str, str]
    open_for: timedelta
    """How long after its cursor value a record can still change (a recording lasts at most a day): each
    query reaches this far past its window, and the saved cursor stays this far behind the sync."""
    cursor_field: str
    """The record field the list is bounded and ordered by (recordings: `start_time`)."""
    optional_params: Mapping[str, str] = field(default_factory=dict)
    """Parameters older instances refuse (400): asked for once more without them, with a WARN."""


@dataclass(frozen=True)
class TableSpec:
    """A HogQL table read through `/query/` by keyset on its key (tables/), in cursor order if incremental."""

    table: HogQLTable
    cursor_field: str | None = None
    """Set for an incremental table: the record field (after `rename`) whose value orders the reads."""
    shape: Shape = Shape.PLAIN
    """How a page of rows becomes records (tables/persons.py); PERSONS adds each person's distinct ids."""
    rename: Mapping[str, str] = field(default_factory=dict)
    """Record names of columns PostHog names otherwise (groups: `index` becomes `group_type_index`)."""
    page_rows: int = 10_000
    """Rows per keyset page (at most 49,999: PostHog cuts answers at 50,000 rows)."""
    more_tables: tuple[HogQLTable, ...] = ()
    """Tables of the same columns and key read after `table` into the stream (static cohorts' members)."""
    fallback: "Stream[RestSpec] | None" = None
    """The row read instead, and probed too, on an instance without `/query/` (persons: `/persons/`)."""
    reread: timedelta = timedelta(0)
    """Incremental: how far before the saved cursor a read starts, for rows that change after it (a session
    lasts at most a day; a group's `updated_at` is its ingestion time)."""
    windows_by_events: bool = False
    """Incremental: cut the range into windows by the events' hourly density (a session starts at an event),
    so each query aggregates a bounded part of the table and empty history costs no query; otherwise the whole
    range is one window. Either way a window PostHog cannot finish in time is split."""
    from_start_date: bool = False
    """Incremental: the first sync starts at `start_date` (sessions, like events); otherwise it reads every
    row (a group last updated before `start_date` is still a current group)."""

    def column_of(self, record_field: str) -> str:
        """The table column a record field comes from (the field itself unless `rename` names it)."""
        renamed_from = {record_name: column for column, record_name in self.rename.items()}
        return renamed_from.get(record_field, record_field)


@dataclass(frozen=True)
class EventsSpec:
    """The incremental events stream: windows, cursor per project, late events, `/events/` fallback (events/)."""

    table: HogQLTable
    cursor_field: str = "timestamp"


@dataclass(frozen=True)
class CustomSpec:
    """A user's HogQL SELECT (config `custom_queries`), read by keyset around it, per project (custom/)."""

    query: str
    key: tuple[str, ...]
    """Result columns that identify a row (the stream's primary key less `project_id`)."""
    cursor_field: str | None = None
    """A result column that only grows: the stream is then incremental over (cursor, key)."""
    lookback: timedelta = timedelta(0)
    """With a datetime cursor: how far before the saved cursor the next sync starts."""
    page_rows: int = 10_000
    """Rows per keyset page, as for the HogQL tables (TableSpec.page_rows)."""


Spec = TypeVar("Spec", RestSpec, DatedSpec, TableSpec, EventsSpec, CustomSpec)


@dataclass(frozen=True)
class Stream(Generic[Spec]):
    """One stream: what every stream has, and its read spec."""

    name: str
    scope: str
    """The personal API key scope PostHog requires; named by `check` when it is missing."""
    endpoint_class: EndpointClass
    """PostHog's throttle class, which paces every request of the stream."""
    read: Spec
    """How the stream is read; its type chooses the reader."""
    per_project: bool = True
    only_on: str | None = None
    """Which PostHog instances have the stream's endpoint, when not every current one does ("PostHog with EE"):
    where it answers 404 "Endpoint not found.", check names the stream and a read skips it with this reason."""
    original: bool = False
    """One of the existing connector's seven streams. Syncs set up for that connector select them all, so
    `check` fails when one of their scopes is missing; a newer stream's missing scope is only listed."""
    primary_key: tuple[str, ...] = ("id",)

    @property
    def cursor_field(self) -> str | None:
        """The record field whose value orders an incremental stream's reads; None for a full-refresh one.

        It lives in the specs that read incrementally, so a REST list with a cursor cannot be written.
        """
        read = self.read
        return None if isinstance(read, RestSpec) else read.cursor_field


@dataclass(frozen=True)
class Backref:
    """The ids of another stream's records that point at a record, gathered into one field of it.

    PostHog lists dashboards without their tiles, but every insight lists the dashboards it is on: reading
    the insights of the project once gives each dashboard its insight ids without one request per dashboard.
    """

    source: Stream[RestSpec]
    via: IdsOf
    """The ids of this stream's records a source record points at (None: the source record does not say)."""
    into: str
    """The field of this stream's records that receives the sorted source ids (null when a source did not say)."""
    told: str
    """What `via` reads, for the WARN when a source record does not say."""


AnyStream = Stream[Any]
"""A row of the table, whatever its reader."""
