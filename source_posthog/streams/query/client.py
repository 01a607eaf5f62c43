"""`/query/` requests as the instance accepts them: PostHog before mid-2025 refuses the `modifiers` field.

The client also keeps, for the whole sync, what its answers taught about the instance's silent row cap
(row_cap.py), so every reader and window pages within it, and the page budget (budget.py) that sizes pages by
the bytes their rows weigh.

Its request models forbid unknown fields, so `modifiers` gets 400 parse_error "... Extra inputs are not
permitted" (posthog-api §10). The request is sent again without it, and so is every later one of the run.
Such an instance renders datetime cells in the project's timezone with their offset: `parse_timestamp` and
`canonical_timestamp` turn each into its UTC instant, and every placeholder is read by
`toDateTime64(.., 'UTC')`, so no emitted timestamp and no bound changes meaning.
"""

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from threading import Lock
from typing import Any, Protocol

from source_posthog.errors import ApiError, Refusal
from source_posthog.http.client import ApiClient
from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.query.budget import PageBudget
from source_posthog.streams.query.row_cap import RowCap

Log = Callable[[str, str], None]  # (level, message), e.g. `Sink.log`


class QueryPoster(Protocol):
    """What the HogQL readers need: one POST returning parsed JSON (`QueryClient`; an `ApiClient` in tests)."""

    def post_json(self, path: str, body: dict[str, Any], endpoint_class: EndpointClass = EndpointClass.QUERY) -> Any:
        """POST a JSON body and return the parsed JSON answer."""


class QueryClient:
    """Posts `/query/` bodies, dropping `modifiers` for the rest of the run once the instance refused them."""

    def __init__(self, client: ApiClient, log: Log, budget: PageBudget | None = None) -> None:
        self.client = client
        self.budget = budget or PageBudget()
        """Rows per page from bytes per row under max_memory_mb (budget.py); shared by every reader of the sync."""
        self.modifiers = True
        """False once the instance refused `modifiers`: remembered for the run, owned by its `ReadContext`."""
        self.row_cap = RowCap(log)
        """The instance's row cap as learned from its answers; shared by every reader of the sync."""
        self._log = log
        self._lock = Lock()  # windows are read side by side: the WARN is written once

    def post_json(self, path: str, body: dict[str, Any], endpoint_class: EndpointClass = EndpointClass.QUERY) -> Any:
        """POST the body, without `modifiers` if this instance does not know them."""
        if self.modifiers:
            try:
                return self.client.post_json(path, body, endpoint_class)
            except ApiError as error:
                if error.refusal is not Refusal.UNKNOWN_FIELDS:
                    raise
                self._refused()
        return self.client.post_json(path, without_modifiers(body), endpoint_class)

    def _refused(self) -> None:
        with self._lock:
            if not self.modifiers:
                return
            self.modifiers = False
        self._log(
            "WARN",
            "This PostHog instance predates the query modifiers (it refuses them: 'Extra inputs are not "
            "permitted'); querying without them for this run. Its datetimes come in the project's timezone and "
            "are converted to UTC.",
        )


def without_modifiers(body: dict[str, Any]) -> dict[str, Any]:
    """The body with no `modifiers` in its query node."""
    query = {name: value for name, value in body["query"].items() if name != "modifiers"}
    return {**body, "query": query}


def row_cap_of(client: QueryPoster) -> RowCap:
    """The sync's row cap; a bare `ApiClient` (unit tests) gets a fresh one, learning within one read."""
    return client.row_cap if isinstance(client, QueryClient) else RowCap()


UNBOUNDED = PageBudget()  # a bare `ApiClient` (unit tests): pages as the reader wants them


def budget_of(client: QueryPoster) -> PageBudget:
    """The sync's page budget; a bare `ApiClient` has none."""
    return client.budget if isinstance(client, QueryClient) else UNBOUNDED


def capped(client: QueryPoster, max_bytes: float | None) -> AbstractContextManager[None]:
    """Bodies read through `client` on this thread within the block are abandoned past `max_bytes` (BodyCut)."""
    inner = client.client if isinstance(client, QueryClient) else client
    return inner.ceiling.at(max_bytes) if isinstance(inner, ApiClient) else nullcontext()


def last_body_bytes(client: QueryPoster) -> int:
    """The length of the last response body this thread read through `client` (0 when unknown)."""
    inner = client.client if isinstance(client, QueryClient) else client
    return inner.last_body_bytes() if isinstance(inner, ApiClient) else 0
