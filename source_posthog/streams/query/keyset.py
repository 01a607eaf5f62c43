"""The keyset reader over one HogQL table: pages that lose no row and repeat none (the query: sql.py).

- `LIMIT n+1`: the extra row, not a full page, is what says more rows exist. It is not handed over; the next
  page starts after the n-th row and reads it again. PostHog lowers any LIMIT above its cap silently (10,000
  before June 2024, 50,000 since) and sets no `hasMore` with an explicit LIMIT: a page shorter than asked
  ends the range only when no cap can have cut it (row_cap.py); otherwise the next page is read, and an
  empty one ends it. Page sizes follow the cap the sync has learned, and the memory budget (budget.py): each
  page asks for as many rows as the bytes its rows weighed so far allow.
- A row whose key equals the previous row's is dropped: the events table is a ReplacingMergeTree, and a
  re-ingested event lives as two identical rows until a background merge (posthog-api §10).
- Pages are handed over whole, their cells picked by column name (`Page.cells`, `Page.dicts`): a generator
  step per page, not per row, keeps the events hot path as fast as indexing by position. Each page carries
  its last key and row count, computed once here, so a consumer may release the rows and still checkpoint
  after writing them; the next page is asked for only when the consumer comes back, so a checkpoint always
  follows the records it covers.
"""

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from functools import partial
from itertools import pairwise
from operator import itemgetter
from typing import Any

from source_posthog.errors import InternalError
from source_posthog.http.body_cut import ask_within
from source_posthog.streams.query.budget import PageBudget
from source_posthog.streams.query.client import QueryPoster, budget_of, capped, last_body_bytes, row_cap_of
from source_posthog.streams.query.row_cap import RowCap
from source_posthog.streams.query.sql import (
    Condition,
    HogQLTable,
    Key,
    KeyColumn,
    KeyType,
    build_query,
    run_query,
)
from source_posthog.streams.timestamps import parse_timestamp


@dataclass(frozen=True)
class TableScan:
    """What a keyset read of one table needs: where to ask, which project and table, and rows per page."""

    queries: QueryPoster
    project_id: int
    table: HogQLTable
    page_rows: int
    """Rows asked per page (lowered to the instance's row cap, row_cap.py)."""


@dataclass
class Page:
    """One page of a HogQL table: the rows as PostHog returned them, cells picked by column name.

    A consumer done with a page may `release` it, so that two pages are not held while the next is fetched;
    `last_key` and `count` stay.
    """

    columns: list[str]
    rows: list[list[Any]]
    last_key: Key
    """The key of the last row, as kept between pages (datetimes parsed): where the next page starts."""
    count: int
    """How many rows the page had when it was built."""
    dropped: int = 0
    """Rows dropped because their key repeated the previous row's (custom queries warn about a non-unique key)."""
    dropped_key: Any = None
    """The first such repeated key, as PostHog returned it (a cell, or a tuple of cells for a longer key)."""
    alone_next: bool = False
    """The row after this page outweighs a page's share of the budget (its body was cut): ask it alone."""

    def cells(self, *names: str) -> Callable[[list[Any]], tuple[Any, ...]]:
        """A function returning the named cells of a row, in the order named (two names or more)."""
        return itemgetter(*(self.columns.index(name) for name in names))

    def release(self) -> None:
        """Drop the rows (the caller has written them)."""
        self.rows.clear()

    def dicts(self) -> Iterator[dict[str, Any]]:
        """Each row as {column: cell}."""
        columns = self.columns
        return (dict(zip(columns, row, strict=True)) for row in self.rows)


def iter_key_pages(
    scan: TableScan, *, where: Sequence[Condition] = (), after: Key | None = None
) -> Generator[Page, None, None]:
    """Every row matching every `where` condition (a window's bounds, filters) after `after`, once, in key order."""
    budget, alone = budget_of(scan.queries), False
    while True:
        size = page_size(scan, budget, alone)
        page, more = weighed_page(scan, budget, size, partial(_page_body, scan.table, where, after), alone=alone)
        if page.count == 0:
            return
        after, alone = page.last_key, page.alone_next
        yield page
        if not more:
            return


def page_size(scan: TableScan, budget: PageBudget, alone: bool) -> int:
    """Rows the next page asks for: as many as the budget allows, within the instance's cap; or one.

    One if the row it starts with outweighs a page's share of the budget (`Page.alone_next`).
    """
    if alone:
        return 1
    return row_cap_of(scan.queries).fit(budget.rows(scan.project_id, scan.table.name, scan.page_rows))


def _page_body(table: HogQLTable, where: Sequence[Condition], after: Key | None, limit: int) -> dict[str, Any]:
    return build_query(table, f"source-posthog {table.name}", limit, where, after)


def weighed_page(
    scan: TableScan, budget: PageBudget, size: int, body: Callable[[int], dict[str, Any]], *, alone: bool = False
) -> tuple[Page, bool]:
    """The page of at most `size` rows that `body(LIMIT)` asks for, weighed for the budget; and whether more may exist.

    Its body may reach `PageBudget.ceiling` (1.25x the page's share); a longer one is abandoned unparsed and the
    page asked again with the rows before the heavy one, which then comes `alone` (body_cut.py). Only the page's
    rows are kept, not the answer around them.
    """
    try:
        answer, size, exact, alone_next = _answer(scan, budget, size, body, alone)
    except BaseException:
        budget.abandon(scan.project_id, scan.table.name)  # no weight to tell: windows waiting for it ask themselves
        raise
    got, body_bytes = len(answer["results"]), last_body_bytes(scan.queries)
    page, more = _fetch_page(answer, scan.table, size, row_cap_of(scan.queries), exact=exact)
    del answer
    page.alone_next = alone_next
    budget.observe(scan.project_id, scan.table.name, body_bytes, got)
    if budget.overshot(body_bytes):  # rare: weigh the rows handed over, for the WARN about oversized ones
        budget.count_oversized(scan.table.name, map(row_bytes, page.rows))
    return page, more


def _answer(
    scan: TableScan, budget: PageBudget, size: int, body: Callable[[int], dict[str, Any]], alone: bool
) -> tuple[dict[str, Any], int, bool, bool]:
    """The answer, the rows it may hand over, whether it was asked with no extra row, whether the next comes alone.

    After a cut (or `alone`), the page is asked with `LIMIT n`, no extra row, and read whatever its size: the `n`
    rows before the heavy one, or that row alone. Then a full page says more rows may follow.
    """

    def ask(limit: int) -> dict[str, Any]:
        return run_query(scan.queries, scan.project_id, body(limit))

    if alone:
        return ask(1), 1, True, False
    cap = capped(scan.queries, budget.ceiling)
    answer, fewer, alone_next = ask_within(cap, budget.heavy_row_bytes, ask, size + 1, size)
    return answer, size if fewer is None else fewer, fewer is not None, alone_next


def _fetch_page(
    answer: dict[str, Any], table: HogQLTable, rows_wanted: int, cap: RowCap, *, exact: bool = False
) -> tuple[Page, bool]:
    """The page without its extra row (none if `exact`) and without adjacent duplicates, and whether more may exist."""
    columns, rows = answer.get("columns"), answer["results"]
    if not isinstance(columns, list) or not all(name in columns for name in table.columns):
        raise InternalError(f"The /query/ response lacks a column; got {columns}, need {list(table.columns)}.")
    more = cap.more_after(answer, len(rows), rows_wanted if exact else rows_wanted + 1)
    del rows[rows_wanted:]
    key_of = itemgetter(*(columns.index(column.name) for column in table.key))
    duplicates = [i for i, (a, b) in enumerate(pairwise(map(key_of, rows)), 1) if a == b]
    repeated = key_of(rows[duplicates[0]]) if duplicates else None
    for i in reversed(duplicates):  # rare: only unmerged copies of a re-ingested row
        del rows[i]
    if not rows:
        return Page(columns, rows, (), 0), more
    last = rows[-1]
    last_key = tuple(_key_value(column, last[columns.index(column.name)]) for column in table.key)
    return Page(columns, rows, last_key, len(rows), len(duplicates), repeated), more


def row_bytes(row: list[Any]) -> int:
    """About what one row weighs: the length of its text cells (the JSON ones dominate)."""
    return sum(len(cell) for cell in row if isinstance(cell, str))


def _key_value(column: KeyColumn, cell: Any) -> Any:
    """A result cell as the key value kept between pages (a datetime for DATETIME columns)."""
    return parse_timestamp(cell) if column.type is KeyType.DATETIME else cell
