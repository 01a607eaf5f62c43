"""What one events sync fixes at its start, and the checkpoint that turns progress into STATE messages.

Every save writes the whole events stream state (all projects), so the last STATE on stdout is always a
complete resume point; `Output.state` flushes, so it never precedes the records it covers.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from source_posthog.client import ApiClient
from source_posthog.config import Config
from source_posthog.errors import InternalError
from source_posthog.progress import Progress
from source_posthog.protocol import Output
from source_posthog.ratelimit import EndpointClass
from source_posthog.state import FLAT_KEY, Cursor, EventsState, events_state

STREAM = "events"


class Checkpoint:
    """The events cursors of every project; `save` records one project's progress and emits STATE."""

    def __init__(self, output: Output, cursors: EventsState) -> None:
        self._output = output
        self._cursors = dict(cursors)

    def cursor(self, project_id: int) -> Cursor | None:
        """The project's own cursor, else the existing connector's flat cursor, else none."""
        return self._cursors.get(project_id) or self._cursors.get(FLAT_KEY)

    def save(self, project_id: int, cursor: Cursor) -> None:
        """Record `cursor` for the project and write the STATE that carries it."""
        self._cursors[project_id] = cursor
        self._output.state(STREAM, events_state(self._cursors))


@dataclass
class EventsRun:
    """One sync of the events stream: collaborators, settings and the upper bound fixed at its start."""

    config: Config
    client: ApiClient
    output: Output
    checkpoint: Checkpoint
    upper: datetime
    progress: Progress
    legacy: bool = False
    """True once `/query/` proved unavailable: every later project is read from `/events/`."""
    query_answered: bool = field(default=False)
    """True once any `/query/` succeeded: a later 404 is then an error, not a missing endpoint."""

    def query(self, project_id: int, body: dict[str, Any]) -> dict[str, Any]:
        """POST a HogQL body for the project; any answer proves the instance has `/query/`."""
        page = self.client.post_json(f"projects/{project_id}/query/", body, EndpointClass.QUERY)
        self.query_answered = True
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise InternalError("Unexpected /query/ response: expected an object with results.")
        return page

    @property
    def lookback(self) -> timedelta:
        """How far before a finished cursor the next read starts."""
        return timedelta(minutes=self.config.events_lookback_minutes)

    @property
    def step(self) -> timedelta:
        """Slice width."""
        return timedelta(days=self.config.events_time_step)
