"""What a stream is: its reader kind and what that reader needs to know (the rows themselves: table.py)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import Enum
from typing import Any

from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.query.sql import HogQLTable

IdsOf = Callable[[dict[str, Any]], list[Any] | None]
"""The ids a source record points at, or None when the record does not say (a field PostHog withheld)."""


class Shape(Enum):
    """A record shaping, named by a stream's row."""

    PLAIN = "plain"
    PERSONS = "persons"


@dataclass(frozen=True)
class Pass:
    """One complete pass over a REST list."""

    params: Mapping[str, str] = field(default_factory=dict)
    """Extra query parameters of this pass (feature flags: `archived=true` lists only archived ones)."""
    marks: Mapping[str, Any] = field(default_factory=dict)
    """Fields set on every record of this pass, for lists whose records do not say which pass listed them
    (a property definition does not say whether it is an event, person or group property)."""
    whole: bool = False
    """Read the list as one page, however long (rest.py `whole_page`): for lists whose only order is not unique
    (dashboards: `-pinned, name`), where offset pages can skip or repeat a record."""
    optional: bool = False
    """A pass older instances refuse (400, e.g. a `type` value they do not know): skipped with a WARN."""


@dataclass(frozen=True)
class Backref:
    """The ids of another stream's records that point at a record, gathered into one field of it.

    PostHog lists dashboards without their tiles, but every insight lists the dashboards it is on: reading
    the insights of the project once gives each dashboard its insight ids without one request per dashboard.
    """

    source: "Stream"
    via: IdsOf
    """The ids of this stream's records a source record points at (None: the source record does not say)."""
    into: str
    """The field of this stream's records that receives the sorted source ids (null when a source did not say)."""
    told: str
    """What `via` reads, for the WARN when a source record does not say."""


class Reader(Enum):
    """How a stream is read.

    - REST: an offset-paged list (`{"next", "results"}`) under /api/projects/{id}/, or /api/ if not per project.
    - DATED: a list bounded by `date_from`/`date_to`, paged by `has_next` + offset, read incrementally (dated.py).
    - HOGQL: a HogQL table read through `/query/` by keyset on its key (hogql.py).
    - EVENTS: the incremental events stream: windows, cursor per project, `/events/` fallback (events.py).
    """

    REST = "rest"
    DATED = "dated"
    HOGQL = "hogql"
    EVENTS = "events"


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
    """REST and DATED: path under /api/projects/{project_id}/ (under /api/ when not per project)."""
    params: Mapping[str, str] = field(default_factory=dict)
    """REST and DATED: query parameters of every request."""
    passes: tuple[Pass, ...] = (Pass(),)
    """REST: each a complete pass over the list (feature flags and experiments need two)."""
    optional_params: Mapping[str, str] = field(default_factory=dict)
    """REST: parameters that make the read better but that PostHog might reject (400): the pass is then read
    again without them, and deduplication absorbs whatever the two attempts have in common."""
    shared_across_projects: bool = False
    """REST: the same record can be listed by several projects, so duplicates are dropped across projects
    (otherwise the set of seen keys is reset per project, bounding memory by the largest project)."""
    backref: Backref | None = None
    """REST: ids gathered from another stream's records into each record (see Backref)."""
    unpaginated: bool = False
    """REST: the answer is one plain JSON list, not pages (groups_types/)."""
    open_for: timedelta | None = None
    """DATED and incremental HOGQL: how long after its cursor value a record can still change or first appear
    (a recording or session lasts at most a day). DATED queries reach this far past each window and keep the
    saved cursor this far behind the sync; a HOGQL read starts this far before the saved cursor."""
    windows_by_events: bool = False
    """Incremental HOGQL: cut the range into windows by the events' hourly density (a session starts at an
    event), so each query aggregates a bounded part of the table and empty history costs no query; otherwise
    the whole range is one window. Either way a window PostHog cannot finish in time is split."""
    from_start_date: bool = False
    """Incremental HOGQL: the first sync starts at `start_date` (sessions, like events); otherwise it reads
    every row (a group last updated before `start_date` is still a current group)."""
    per_project: bool = True
    only_on: str | None = None
    """Which PostHog instances have the stream's endpoint, when not every current one does ("PostHog with EE"):
    where it answers 404 "Endpoint not found.", check names the stream and a read skips it with this reason."""
    original: bool = False
    """One of the existing connector's seven streams. Syncs set up for that connector select them all, so
    `check` fails when one of their scopes is missing; a newer stream's missing scope is only listed."""
    table: HogQLTable | None = None
    """HOGQL and EVENTS: the HogQL table, its columns and its total key order."""
    shape: Shape = Shape.PLAIN
    """HOGQL: how a page of rows becomes records (shapes.py); PERSONS adds each person's distinct ids."""
    rename: Mapping[str, str] = field(default_factory=dict)
    """HOGQL: record names of columns PostHog names otherwise (groups: `index` becomes `group_type_index`)."""
    page_rows: int = 10_000
    """HOGQL: rows per keyset page (at most 49,999: PostHog cuts answers at 50,000 rows)."""
    more_tables: tuple[HogQLTable, ...] = ()
    """HOGQL: tables of the same columns and key read after `table` into the stream (static cohorts' members)."""
    fallback: "Stream | None" = None
    """HOGQL: the row read instead, and probed too, on an instance without `/query/` (persons: `/persons/`)."""
    primary_key: tuple[str, ...] = ("id",)
    cursor_field: str | None = None
    """Set for incremental streams: the record field (HOGQL: after `rename`) whose value orders the reads."""

    @property
    def cursor_column(self) -> str:
        """HOGQL: the table column the cursor field comes from (the field itself unless `rename` names it)."""
        renamed_from = {record_name: column for column, record_name in self.rename.items()}
        return renamed_from.get(self.cursor_field or "", self.cursor_field or "")

    @property
    def hogql_table(self) -> HogQLTable:
        """The table of a HOGQL or EVENTS row (a row of those readers without one is a bug in this table)."""
        if self.table is None:
            raise TypeError(f"Stream {self.name} names no HogQL table.")
        return self.table
