"""Keyset pages of `persons` / `person_distinct_ids` / `groups` bounded on both sides: each reads about one page.

The three HogQL tables are argMax aggregations over a stored table sorted by (team_id, key), and a LIMIT never
reaches below an aggregation. So every query here reads the stored table itself, with both ends of its range
in its own WHERE, on the stored table's sort key: nothing depends on a pushdown (PostHog's code, files and
commits, in streams/tables/raw_pages.py, which writes the page SQL):
- `bound_query` takes the key of the n-th raw row after `a`, reading the raw table in its sort order
  (`SELECT max(k), count() FROM (SELECT k FROM raw WHERE k > a ORDER BY k LIMIT n)`: n rows at most);
- the page aggregates the raw rows of `(a, b]` as the lazy table would (raw_pages.page_body): about n rows.
Keys are compared with plain constants (`id > {a}`, not `toUUID(..)`), which HogQL prints without the
`ifNull(..)` wrap that keeps old ClickHouse off the primary key (raw_pages.py).

Each page also asks for the next page's bound, as two scalar subqueries (`next_key`, `next_rows`, on every
row; ClickHouse runs each once, and a scalar subquery is a constant, allowed beside a GROUP BY): a read costs
about one query per page, plus a bound after an empty page.
The raw rows hold old versions and deleted persons, so (a, b] has at most n live keys and often fewer: a
short or empty page is not the end. The end is a bound over fewer than n raw rows. A key inserted after the
bound query can make a range hold more than n: the page's extra row (or the instance's row cap) says so, and
the next page starts after the last row delivered instead of after b.

A two-column key (groups: `raw_groups` is `groups` ORDER BY (team_id, group_type_index, group_key),
posthog/models/group/sql.py @9d67819c) is read one leading value at a time: that value comes from the same
bound query on the leading column with LIMIT 1 (one raw row read, in order), and its rows are then a bounded
read on the second column with `leading = v` pinned in every query, raw and page alike (`Within.fixed`).
`Within.only` filters a page's groups by an aggregate (changed since a cursor: the HAVING) without narrowing
its raw range: such a page may be empty, and then costs a bound query more.
"""

from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import Any

from source_posthog.errors import InternalError, QueryLimitError
from source_posthog.streams.query.client import budget_of
from source_posthog.streams.query.keyset import Page, TableScan, page_size, weighed_page
from source_posthog.streams.query.sql import Condition, Key, hogql_body, joined, run_query
from source_posthog.streams.tables import raw_pages

MIN_PAGE_ROWS = 100  # below this, a page that still times out is PostHog's problem, not the page size's
NEXT = ("next_key", "next_rows")  # the next page's bound, asked with each page
REUSE = 0.75  # a next bound asked with a page serves a page of up to 1/REUSE its rows (else it is asked anew)
Bound = tuple[Any, int, int]
"""(the last raw key of a range, how many raw rows it holds, how many it was asked for)."""


@dataclass(frozen=True)
class Within:
    """Conditions of a bounded read besides its key range."""

    fixed: tuple[Condition, ...] = ()
    """On the raw rows and the page alike: the leading key column pinned (`index = {leading_key}`)."""
    only: tuple[Condition, ...] = ()
    """On the aggregate, in the page's HAVING (groups' `argMax(updated_at, ..)`): the raw range stays n rows."""


ANY = Within()


def bound_query(scan: TableScan, rows: int, after: Key | None, within: Within = ANY) -> dict[str, Any]:
    """The key of the `rows`-th raw row after `after`, and how many raw rows there were (at most `rows`)."""
    key = scan.table.key[0].name
    parts = [*within.fixed, *([] if after is None else [raw_pages.key_condition(key, ">", f"after_{key}", after[0])])]
    where, values = joined(parts)
    where_clause = f" WHERE {where}" if where else ""
    # Only names of this package's tables and an int are formatted in; the key value is a placeholder.
    inner = f"SELECT {key} FROM {scan.table.raw}{where_clause} ORDER BY {key} ASC LIMIT {rows}"  # noqa: S608
    sql = f"SELECT max({key}) AS last_key, count() AS raw_rows FROM ({inner})"  # noqa: S608
    return hogql_body(sql, values, f"source-posthog {scan.table.name} bound")


def next_bound_columns(scan: TableScan, within: Within) -> tuple[str, str]:
    """The bound of the range after `{upper_key}`, as two scalar subqueries over the raw table."""
    key = scan.table.key[0].name
    after = joined([*within.fixed, (f"{key} > {{upper_key}}", {})])[0]
    # Names of this package's tables and an int only; the key value is the page's own placeholder.
    inner = f"SELECT {key} FROM {scan.table.raw} WHERE {after} ORDER BY {key} ASC LIMIT {scan.page_rows}"  # noqa: S608
    last, count = f"(SELECT max({key}) FROM ({inner}))", f"(SELECT count() FROM ({inner}))"  # noqa: S608
    return f"{last} AS {NEXT[0]}", f"{count} AS {NEXT[1]}"


def upper_condition(scan: TableScan, upper: Any) -> Condition:
    """`key <= {upper_key}`, a plain constant (no `toUUID`: raw_pages.py)."""
    return raw_pages.key_condition(scan.table.key[0].name, "<=", "upper_key", upper)


def iter_bounded_pages(scan: TableScan, only: tuple[Condition, ...] = ()) -> Iterator[Page]:
    """Every row of the table (matching `only`) once, in key order; a two-column key one leading value at a time.

    The pages of a two-column key carry the second column as their `last_key`.
    """
    if len(scan.table.key) == 1:
        yield from iter_range_pages(scan, Within(only=only))
        return
    leading, second = scan.table.key
    value: Any = None
    while (value := next_leading(scan, value)) is not None:
        pinned = raw_pages.key_condition(leading.name, "=", "leading_key", value)
        inner = replace(scan, table=replace(scan.table, key=(second,)))
        yield from iter_range_pages(inner, Within((pinned,), only))


def next_leading(scan: TableScan, after: Any) -> Any:
    """The leading key column's first raw value after `after` (None: the first), or None when there is none."""
    leading = replace(scan, table=replace(scan.table, key=scan.table.key[:1]), page_rows=1)
    value, raw_rows, _asked = read_bound(leading, None if after is None else (after,))
    return value if raw_rows else None


def iter_range_pages(scan: TableScan, within: Within) -> Iterator[Page]:
    """Every row of a single-key table once, in key order; after a page that hits a query limit, half the rows.

    Each page holds as many rows as the memory budget allows for rows of the weight seen so far (query/budget.py),
    at most `scan.page_rows`; a bound asked for another page size is asked again when the sizes differ much.
    """
    after: Key | None = None
    bound: Bound | None = None
    budget, alone = budget_of(scan.queries), False
    while True:
        size = page_size(scan, budget, alone)
        if bound is not None and not REUSE * size <= bound[2] <= size:
            bound = None
        try:
            page, after, bound, done = next_page(replace(scan, page_rows=size), after, bound, within, alone=alone)
        except QueryLimitError as error:
            budget.abandon(scan.project_id, scan.table.name)
            if scan.page_rows <= MIN_PAGE_ROWS:
                raise QueryLimitError(
                    f"Project {scan.project_id}: even {scan.page_rows} rows of {scan.table.name} are more than "
                    f"PostHog answers within its query limits. {error.message}"
                ) from None
            scan, bound = replace(scan, page_rows=min(size, scan.page_rows) // 2), None
            continue
        alone = page.alone_next  # the next row outweighs a page's share of the budget: it comes alone
        if page.count:
            yield page
        if done:
            return


def next_page(
    scan: TableScan, after: Key | None, bound: Bound | None, within: Within = ANY, *, alone: bool = False
) -> tuple[Page, Key | None, Bound | None, bool]:
    """The page after `after`, where the next one starts, its bound if known, and whether the table ends here.

    `alone`: the page is the one row after `after` (it outweighs a page's share of the budget, keyset.py).
    """
    upper, raw_rows, asked = bound if bound is not None else read_bound(scan, after, within)
    if raw_rows == 0:  # no page to weigh: threads waiting for this table's weight ask on their own
        budget_of(scan.queries).abandon(scan.project_id, scan.table.name)
        return Page([], [], (), 0), after, None, True
    where = [upper_condition(scan, upper), *within.fixed]
    if after is not None:
        key = scan.table.key[0].name
        where.append(raw_pages.key_condition(key, ">", f"after_{key}", after[0]))
    body = partial(raw_pages.page_body, scan, where, within.only, next_bound_columns(scan, within))
    page, cut = weighed_page(scan, budget_of(scan.queries), scan.page_rows, body, alone=alone)
    following = take_next_bound(page)
    if cut:  # more keys in the range than the bound saw (inserted since), or the instance's row cap
        return page, page.last_key if page.count else after, None, False
    return page, (upper,), following and (*following, scan.page_rows), raw_rows < asked


def take_next_bound(page: Page) -> tuple[Any, int] | None:
    """The next range's bound from the page's first row (None for an empty page); the columns are dropped."""
    if not page.count or not all(name in page.columns for name in NEXT):
        return None
    at = sorted((page.columns.index(name) for name in NEXT), reverse=True)
    first = page.rows[0]
    bound = (first[page.columns.index(NEXT[0])], int(first[page.columns.index(NEXT[1])]))
    for row in page.rows:
        for i in at:
            del row[i]
    for i in at:
        del page.columns[i]
    return bound


def read_bound(scan: TableScan, after: Key | None, within: Within = ANY) -> Bound:
    """(last raw key, raw rows) of the next page's range; `raw_rows` 0 when nothing follows `after`."""
    body = bound_query(scan, scan.page_rows, after, within)
    rows = run_query(scan.queries, scan.project_id, body)["results"]
    if len(rows) != 1 or not isinstance(rows[0], list) or len(rows[0]) != 2 or not isinstance(rows[0][1], int):
        raise InternalError(f"Unexpected /query/ response to the {scan.table.name} bound: expected one row of two.")
    return rows[0][0], rows[0][1], scan.page_rows
