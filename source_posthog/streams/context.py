"""The one object a sync hands every reader, and the two seams through which readers reach the outside.

Readers never import the Airbyte side: they write through a `Sink` (records, state, logs) and report pages
to a `ProgressObserver`. The Airbyte message writer and progress tracker satisfy both; a Singer writer can too.
"""

from dataclasses import dataclass, field
from typing import Any, Protocol

from source_posthog.config.model import Config
from source_posthog.http.client import ApiClient
from source_posthog.streams.query.budget import PageBudget, share_one_malloc_arena
from source_posthog.streams.query.client import QueryClient


class Sink(Protocol):
    """Where a reader's output goes; `state` must follow the records it covers."""

    def record(self, stream: str, data: dict[str, Any]) -> None:
        """Write one record."""

    def state(self, stream: str, stream_state: dict[str, Any]) -> None:
        """Write a stream's whole state, after every record it covers."""

    def log(self, level: str, message: str) -> None:
        """Tell the user something (WARN for what needs their attention)."""


class ProgressObserver(Protocol):
    """Told how many records a reader expects, when it knows, and about each page it finishes."""

    def expect(self, stream: str, records: int) -> None:
        """`records` more records of `stream` are expected (e.g. one project's events, counted before reading)."""

    def page(self, stream: str, records: int, where: str) -> None:
        """`records` more records of `stream` were read at `where` (e.g. "project 2, window ...")."""


@dataclass
class ReadContext:
    """Everything one `read` (or `check`) shares: settings, the client, the output, the projects, progress."""

    config: Config
    client: ApiClient
    sink: Sink
    projects: list[dict[str, Any]]
    progress: ProgressObserver
    queries: QueryClient = field(init=False)
    """`/query/` requests through `client`, remembering for the run what this instance's `/query/` accepts."""

    def __post_init__(self) -> None:
        budget = PageBudget(self.config.max_memory_mb, self.config.max_concurrent_queries)
        share_one_malloc_arena()  # before the readers' threads start (budget.py says why)
        self.queries = QueryClient(self.client, self.sink.log, budget)
