"""The keyset reader over one HogQL table: pages that lose no row and repeat none (the query: hogql.py).

- `LIMIT n+1`: the extra row, not a full page, is what says more rows exist. It is not handed over; the next
  page starts after the n-th row and reads it again. PostHog lowers any LIMIT above its cap silently (10,000
  before June 2024, 50,000 since) and sets no `hasMore` with an explicit LIMIT: a page shorter than asked
  ends the range only when no cap can have cut it (row_cap.py); otherwise the next page is read, and an
  empty one ends it. Page sizes follow the cap the sync has learned.
- A row whose key equals the previous row's is dropped: the events table is a ReplacingMergeTree, and a
  re-ingested event lives as two identical rows until a background merge (posthog-api §10).
- Pages are handed over whole, their cells picked by column name (`Page.cells`, `Page.dicts`): a generator
  step per page, not per row, keeps the events hot path as fast as indexing by position. When the consumer
  comes back for the next page, `on_page(count, last_key)` is called, so a checkpoint always follows the
  records it covers. The next page is asked for as soon as the last key is known.
"""

from collections.abc import Callable, Generator, Iterator, Sequence
from dataclasses import dataclass
from itertools import pairwise
from operator import itemgetter
from typing import Any

from source_posthog.errors import InternalError
from source_posthog.streams.query.client import QueryPoster, row_cap_of
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


@dataclass
class Page:
    """One page of a HogQL table: the rows as PostHog returned them, cells picked by column name.

    A consumer done with a page may `release` it, so that two pages are not held while the next is fetched.
    """

    columns: list[str]
    rows: list[list[Any]]

    def cells(self, *names: str) -> Callable[[list[Any]], tuple[Any, ...]]:
        """A function returning the named cells of a row, in the order named (two names or more)."""
        return itemgetter(*(self.columns.index(name) for name in names))

    def release(self) -> None:
        """Drop the rows (the caller has written them)."""
        self.rows.clear()

    def last_key(self, key: tuple[KeyColumn, ...]) -> Key:
        """The key of the last row, as kept between pages (datetimes parsed)."""
        row = self.rows[-1]
        return tuple(_key_value(column, row[self.columns.index(column.name)]) for column in key)

    def dicts(self) -> Iterator[dict[str, Any]]:
        """Each row as {column: cell}."""
        columns = self.columns
        return (dict(zip(columns, row, strict=True)) for row in self.rows)


def iter_pages(
    client: QueryPoster,
    project_id: int,
    table: HogQLTable,
    page_size: int,
    *,
    where: Sequence[Condition] = (),
    after: Key | None = None,
    on_page: Callable[[int, Key], None] | None = None,
) -> Generator[Page, None, None]:
    """Every row matching every `where` condition (a window's bounds, filters) after `after`, once, in key order."""
    cap, name = row_cap_of(client), f"source-posthog {table.name}"
    while True:
        size = cap.page_size(page_size)  # lowered as soon as any reader learns the instance's cap
        answer = run_query(client, project_id, build_query(table, name, size + 1, where, after))
        page, more = _fetch_page(answer, table, size, cap)
        del answer  # only the page's rows are kept
        if not page.rows:
            return
        after, count = page.last_key(table.key), len(page.rows)  # known before the consumer may release the rows
        yield page
        if on_page is not None:
            on_page(count, after)
        if not more:
            return


def _fetch_page(answer: dict[str, Any], table: HogQLTable, page_size: int, cap: RowCap) -> tuple[Page, bool]:
    """The page without its extra row and without adjacent duplicates, and whether more rows may exist."""
    columns, rows = answer.get("columns"), answer["results"]
    if not isinstance(columns, list) or not all(name in columns for name in table.columns):
        raise InternalError(f"The /query/ response lacks a column; got {columns}, need {list(table.columns)}.")
    more = cap.more_after(answer, len(rows), page_size + 1)
    del rows[page_size:]
    key_of = itemgetter(*(columns.index(column.name) for column in table.key))
    duplicates = [i for i, (a, b) in enumerate(pairwise(map(key_of, rows)), 1) if a == b]
    for i in reversed(duplicates):  # rare: only unmerged copies of a re-ingested row
        del rows[i]
    return Page(columns, rows), more


def _key_value(column: KeyColumn, cell: Any) -> Any:
    """A result cell as the key value kept between pages (a datetime for DATETIME columns)."""
    return parse_timestamp(cell) if column.type is KeyType.DATETIME else cell
