"""A dense person table's queries hitting PostHog's 10-second limit: the switch `Faults.persons_query_row_limit`.

On a large project, a keyset page of `persons` (or `person_distinct_ids`) makes ClickHouse aggregate the
person rows up to the page's end (the tables are ReplacingMergeTree-like, collapsed with argMax per id), so
the work grows with the page size. The emulator stands in for that with a row count: a query of those tables
whose LIMIT is above the limit answers PostHog's 504. The grouped distinct-ids query has a fixed LIMIT 50000,
so for it (any GROUP BY) the rows its WHERE matched count instead: the distinct ids in its `person_id` range.
A raw table aggregated as its lazy table is (tables/raw_aggregate) counts as that table, by its LIMIT.
As on PostHog, an async query (`refresh: "force_async"`...) is not held to the limit.
"""

from __future__ import annotations

from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql.parse import Select
from posthog_emulator.hogql.result import Outcome
from posthog_emulator.query import cost as query_cost
from posthog_emulator.tables import raw_aggregate

PERSON_TABLES = ("persons", "person_distinct_ids")
API_LIMIT_S = 10.0  # PostHog Cloud's limit for queries run through the API


def rows_counted(select: Select, out: Outcome) -> int:
    """The rows the query stands for: matched rows under GROUP BY, else its LIMIT as written."""
    if select.group_by and not raw_aggregate.is_aggregate(select):
        return out.matched_rows or 0
    limit = select.limit
    return int(limit.value) if limit is not None and limit.kind == "const" and isinstance(limit.value, int) else 0


def check(row_limit: int | None, select: Select, out: Outcome) -> None:
    """Answer PostHog's 504 (the body of its ClickHouseQueryTimeOut) when the query counts more rows than allowed."""
    if row_limit is None or raw_aggregate.lazy_name(select) not in PERSON_TABLES:
        return
    rows = rows_counted(select, out)
    if rows > row_limit:
        cost = query_cost.Cost(rows, rows, 0, API_LIMIT_S, timed_out=True)
        raise ApiError(504, query_cost.timeout_detail(API_LIMIT_S), log={"query_cost": cost.log()})
