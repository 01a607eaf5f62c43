"""REST list pages sized by bytes under `max_memory_mb`, as `/query/` pages are (query/budget.py, issue 23).

A REST list is asked for `limit` rows a page, and what a page costs is bytes: a person with 20 KB of properties,
an `/events/` row of an LLM event hundreds of KB. So each page's `limit` comes from the sync's `PageBudget`,
from the bytes per row its list's earlier pages weighed (the response body's length over its rows), with a
table name per endpoint (`<stream> list`) so a list's weight is its own. The budget never asks for more rows than
the reader wanted: the stream's own `limit`, within what the endpoint accepts (PostHog's code):

- `/events/`: `limit` is lowered to `EVENT_LIST_MAX_LIMIT = 1_000` (`EventViewSet.list`, posthog/api/event.py,
  the version after PR #60124 of 2026-05-26; 50,000 before), default `DEFAULT_RETURNED_ROWS`; legacy.py asks
  at most 1,000.
- `/persons/`: `PersonViewSet.list` takes the filter's `limit` (default `DEFAULT_PAGE_LIMIT = 100`) with no
  maximum, its `next` keeping the request's `limit` (posthog/api/person.py @ a8b2677e); we ask at most 1,000.
- the other lists: DRF's `LimitOffsetPagination` without `max_limit` (docs/posthog-sources.md, `REST_FRAMEWORK`
  in posthog/settings/web.py @ 000798bf); at most 1,000 (table.py `PAGE_SIZE`).

A page whose body outgrows its share of the budget is abandoned unread and asked again with fewer rows, then its
heavy row alone (`ListSizer.fetch`, as /query/ pages do, query/keyset.py); offsets are absolute, so the smaller
pages neither skip nor repeat.

Lists that cannot be sized, and are read as one answer whatever the budget: `actions/` (its `list()` ignores
`limit` and `offset`, posthog/api/action.py @ 99058528), `groups_types/` (a plain JSON list), and `dashboards/`
(read in one page on purpose: offset pages over its tied order could skip one, lists.py `whole_page`).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

import orjson

from source_posthog.http.body_cut import ask_within
from source_posthog.http.client import ApiClient
from source_posthog.streams.query.budget import PageBudget

T = TypeVar("T")


@dataclass
class ListSizer:
    """One list's page sizes under the sync's budget (a `PageSizer` for http/pagination.py)."""

    budget: PageBudget
    client: ApiClient
    project_id: int
    table: str
    """The budget's name for the list's rows, e.g. `persons list`; the oversized rows' WARN names it."""
    wanted: int
    """The most rows a page may ask for: the stream's `limit`, within what the endpoint accepts."""
    alone: bool = False
    """The next row outweighs a page's share (the last body was cut after it began): ask it alone."""

    def limit(self) -> int:
        """Rows the next page may ask for: `wanted`, fewer if the list's rows are heavy."""
        return self.budget.rows(self.project_id, self.table, self.wanted)

    def fetch(self, get: Callable[[int], T]) -> tuple[T, int]:
        """One page `get(limit)` with its body under the page's share, and the `limit` it was asked with.

        A body past the share is abandoned unparsed (http/body_cut.py) and the page asked again with the rows
        that fitted, uncapped; the heavy row after them is then asked alone: nothing held but the share and it.
        """
        if self.alone:
            self.alone = False
            return get(1), 1
        limit = self.limit()
        cap = self.client.ceiling.at(self.budget.ceiling)
        answer, fewer, self.alone = ask_within(cap, self.budget.heavy_row_bytes, get, limit, limit)
        return answer, limit if fewer is None else fewer

    def weighed(self, results: list[Any]) -> None:
        """Tell the budget what the page just read weighed (the body this thread read last)."""
        body_bytes = self.client.last_body_bytes()
        self.budget.observe(self.project_id, self.table, body_bytes, len(results))
        if self.budget.overshot(body_bytes):  # rare: weigh its rows one by one, for the WARN about oversized ones
            self.budget.count_oversized(self.table, (len(orjson.dumps(row, default=str)) for row in results))

    def failed(self) -> None:
        """The page was not read: nothing to learn from it."""
        self.budget.abandon(self.project_id, self.table)


def list_table(stream_name: str) -> str:
    """The budget's name for a REST list's rows: its weights apart from the stream's HogQL table's."""
    return f"{stream_name} list"


def wanted_rows(params: dict[str, Any]) -> int | None:
    """The page size a list's parameters ask for; None without a numeric `limit` (the list is then not sized)."""
    limit = str(params.get("limit", ""))
    return int(limit) if limit.isdigit() and int(limit) > 0 else None
