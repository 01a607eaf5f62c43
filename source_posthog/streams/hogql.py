"""One keyset reader for every HogQL table behind `POST /query/`: pages that lose no row and repeat none.

- Rows come `ORDER BY` the table's key, a total order, and each page asks for rows strictly after the last
  row's key: `(k1 > v1) OR (k1 = v1 AND k2 > v2) ...`. Each value is compared as its column's own type
  (`toDateTime64(.., 6, 'UTC')`, `toUUID(..)`), exactly as ORDER BY compares it: ClickHouse's UUID order
  is not string order, and a bare datetime literal is read in the project's timezone. No OFFSET (PostHog
  rejects it for personal API keys).
- `LIMIT n+1`: PostHog lowers any LIMIT above 50,000 silently and sets no `hasMore` with an explicit LIMIT,
  so the extra row, not a full page, is what says more rows exist. It is not emitted; the next page starts
  after the n-th row and reads it again.
- A row whose key equals the previous row's is dropped: the events table is a ReplacingMergeTree, and a
  re-ingested event lives as two identical rows until a background merge (posthog-api §10).
- Pages are yielded whole, their cells picked by column name (`Page.cells`, `Page.dicts`): a generator
  step per page, not per row, keeps the events hot path as fast as indexing by position. When the consumer
  comes back for the next page, `on_page(count, last_key)` is called, so a checkpoint always follows the
  records it covers. The next page is asked for as soon as the last key is known.
"""

from collections.abc import Callable, Generator, Iterator
from dataclasses import dataclass
from datetime import datetime
from enum import Enum
from itertools import pairwise
from operator import itemgetter
from typing import Any

from source_posthog.errors import InternalError
from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.query_client import QueryPoster
from source_posthog.streams.timestamps import hogql_literal, parse_timestamp

MAX_PAGE_SIZE = 50_000 - 1  # PostHog's silent row cap, less the row that tells whether more exist
Key = tuple[Any, ...]
Condition = tuple[str, dict[str, Any]]
"""A WHERE fragment and the placeholder values it names, e.g. `("event IN {names}", {"names": [...]})`."""


class KeyType(Enum):
    """How a key column's value is written into HogQL and read back from a result cell."""

    DATETIME = "toDateTime64({{{}}}, 6, 'UTC')"
    UUID = "toUUID({{{}}})"
    TEXT = "{{{}}}"
    INTEGER = "{{{}}}"


@dataclass(frozen=True)
class KeyColumn:
    """One column of a table's total key order."""

    name: str
    type: KeyType


@dataclass(frozen=True)
class HogQLTable:
    """A HogQL table as a stream reads it: which columns, in which total order."""

    name: str
    columns: tuple[str, ...]
    """Selected in this order; the key columns must be among them."""
    key: tuple[KeyColumn, ...]
    """A total order of the rows: no two distinct rows share it."""


@dataclass(frozen=True)
class Bounds:
    """A half-open datetime range, `start <= column < end`, so ClickHouse prunes by day."""

    column: str
    start: datetime
    end: datetime

    def condition(self) -> Condition:
        """The WHERE fragment and its placeholder values."""
        start, end = KeyType.DATETIME.value.format("start"), KeyType.DATETIME.value.format("end")
        sql = f"{self.column} >= {start} AND {self.column} < {end}"
        return sql, {"start": hogql_literal(self.start), "end": hogql_literal(self.end)}


def hogql_body(sql: str, values: dict[str, Any], name: str) -> dict[str, Any]:
    """A `/query/` request body: always computed afresh, datetimes returned in UTC, named in query_log."""
    query = {"kind": "HogQLQuery", "query": sql, "values": values, "modifiers": {"convertToProjectTimezone": False}}
    return {"query": query, "refresh": "force_blocking", "name": name}


def run_query(client: QueryPoster, project_id: int, body: dict[str, Any]) -> dict[str, Any]:
    """POST one HogQL body for the project; the answer must hold `columns` and `results` lists."""
    page = client.post_json(f"projects/{project_id}/query/", body, EndpointClass.QUERY)
    if not isinstance(page, dict) or not isinstance(page.get("results"), list):
        raise InternalError("Unexpected /query/ response: expected an object with results.")
    return page


def select_one_row(
    client: QueryPoster, project_id: int, select: str, bounds: Bounds, *, name: str, where: Condition | None = None
) -> list[Any]:
    """The single row of an aggregate over a range (and `where`), e.g. `select="count() FROM events"`."""
    condition, values = joined([bounds.condition(), *([where] if where else [])])
    page = run_query(client, project_id, hogql_body(f"SELECT {select} WHERE {condition}", values, name))
    rows = page["results"]
    if len(rows) != 1 or not isinstance(rows[0], list):
        raise InternalError(f"Unexpected /query/ response to {select}: expected one row.")
    return rows[0]


def joined(parts: list[Condition]) -> Condition:
    """Conditions joined by AND, their placeholder values merged (names never clash: each part owns its own)."""
    values = {name: value for _, part_values in parts for name, value in part_values.items()}
    return " AND ".join(condition for condition, _ in parts), values


def after_condition(key: tuple[KeyColumn, ...], after: Key) -> Condition:
    """Rows strictly after `after` in key order, as `(k1 > v1 OR (k1 = v1 AND k2 > v2) ...)`."""
    values = {
        f"after_{column.name}": _placeholder_value(column, value) for column, value in zip(key, after, strict=True)
    }
    literals = [column.type.value.format(f"after_{column.name}") for column in key]
    terms = []
    for i, column in enumerate(key):
        parts = [f"{key[j].name} = {literals[j]}" for j in range(i)] + [f"{column.name} > {literals[i]}"]
        terms.append(parts[0] if len(parts) == 1 else f"({' AND '.join(parts)})")
    return f"({' OR '.join(terms)})", values


def build_query(
    table: HogQLTable,
    name: str,
    limit: int,
    bounds: Bounds | None = None,
    after: Key | None = None,
    *,
    where: Condition | None = None,
) -> dict[str, Any]:
    """The body for one page: rows within `bounds` matching `where` strictly after `after`, in key order."""
    parts = [bounds.condition()] if bounds else []
    parts += [where] if where else []
    if after is not None:
        parts.append(after_condition(table.key, after))
    condition, values = joined(parts)
    where_clause = f" WHERE {condition}" if parts else ""
    order = ", ".join(f"{column.name} ASC" for column in table.key)
    # Only table names, conditions written by this package and an int are formatted in; values are placeholders.
    sql = f"SELECT {', '.join(table.columns)} FROM {table.name}{where_clause} ORDER BY {order} LIMIT {limit}"  # noqa: S608
    return hogql_body(sql, values, name)


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
    bounds: Bounds | None = None,
    after: Key | None = None,
    where: Condition | None = None,
    on_page: Callable[[int, Key], None] | None = None,
) -> Generator[Page, None, None]:
    """Every row of the table (within `bounds`, matching `where`, after `after`) once, in key order."""
    page_size = min(page_size, MAX_PAGE_SIZE)
    name = f"source-posthog {table.name}"
    while True:
        answer = run_query(client, project_id, build_query(table, name, page_size + 1, bounds, after, where=where))
        page, more = _fetch_page(answer, table, page_size)
        del answer  # only the page's rows are kept
        if not page.rows:
            return
        after, count = page.last_key(table.key), len(page.rows)  # known before the consumer may release the rows
        yield page
        if on_page is not None:
            on_page(count, after)
        if not more:
            return


def _fetch_page(answer: dict[str, Any], table: HogQLTable, page_size: int) -> tuple[Page, bool]:
    """The page without its extra row and without adjacent duplicates, and whether more rows exist."""
    columns, rows = answer.get("columns"), answer["results"]
    if not isinstance(columns, list) or not all(name in columns for name in table.columns):
        raise InternalError(f"The /query/ response lacks a column; got {columns}, need {list(table.columns)}.")
    more = len(rows) > page_size
    del rows[page_size:]
    key_of = itemgetter(*(columns.index(column.name) for column in table.key))
    duplicates = [i for i, (a, b) in enumerate(pairwise(map(key_of, rows)), 1) if a == b]
    for i in reversed(duplicates):  # rare: only unmerged copies of a re-ingested row
        del rows[i]
    return Page(columns, rows), more


def _key_value(column: KeyColumn, cell: Any) -> Any:
    """A result cell as the key value kept between pages (a datetime for DATETIME columns)."""
    return parse_timestamp(cell) if column.type is KeyType.DATETIME else cell


def _placeholder_value(column: KeyColumn, value: Any) -> Any:
    """A key value as its placeholder: datetimes as UTC text that `toDateTime64(.., 'UTC')` reads."""
    return hogql_literal(value) if column.type is KeyType.DATETIME else value
