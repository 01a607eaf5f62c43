"""Rows a query of PostHog's person tables reads in ClickHouse, by the pushdown rules PostHog's code gives it.

HogQL's `persons` and `person_distinct_ids` are argMax aggregations of stored tables sorted by (team_id, key)
(tables/raw_keys). A LIMIT never reaches below the aggregation; what does (PostHog/posthog, file @ commit):
- `persons` (`select_from_persons_table`, posthog/hogql/database/schema/persons.py @5ece335f): without a WHERE,
  the v2 query groups every raw row in its `IN` subquery and reads every raw row again outside: 2 x all. With
  one, the WHERE's extractable arms become a prefilter on `raw_persons`, no LIMIT: the raw rows in the `id`
  range its AND arms give (all without one), read twice (prefilter, then the argMax of those ids).
- `person_distinct_ids` (person_distinct_ids.py @c1431f56) ignores the WHERE; ClickHouse pushes a filter on
  `distinct_id`, the GROUP BY key, below the aggregation (the issue's ClickHouse experiment, not PostHog code):
  the raw rows in that range. Anything else (`person_id` conditions, GROUP BY person_id) reads the whole team.
- a raw table (a bounded page's bound, `FROM (SELECT k FROM raw_t .. ORDER BY k LIMIT n)`): in sort order, at
  most n rows from the lower bound.
- `groups` (groups.py @5735f4ed) ignores the WHERE too: argMax grouped by (index, key) over `raw_groups`
  (`groups` ORDER BY (team_id, group_type_index, group_key), posthog/models/group/sql.py @9d67819c). ClickHouse
  pushes AND arms on `index` and `key`, the GROUP BY keys, below it (as for distinct ids): the raw rows of that
  range (tables/raw_groups), a `key` range only within one pinned `index`. `updated_at` is an aggregate and
  narrows nothing; OR arms (a cursor-order keyset) neither: every raw row of the team.
Seconds = fixed + rows x (per_person_row_s for persons and groups, per_key_row_s for narrow rows) + returned x
per_returned_row_s; over the limit, query/cost.settle answers PostHog's 504, as for events.
"""

from __future__ import annotations

from posthog_emulator.config.limit_settings import QueryCost
from posthog_emulator.hogql.parse import Select
from posthog_emulator.query.cost import Cost
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import person_index, raw_groups, raw_keys, scalars
from posthog_emulator.tables.key_range import key_range


def rows_read(select: Select, rt: Runtime, pid: int) -> tuple[int, bool] | None:
    """(rows ClickHouse reads, whether they are wide person rows), or None for a table without a model."""
    if select.subquery is not None:
        return min(_limit(select.subquery), _raw_rows(select.subquery, rt, pid)), False
    keys = raw_keys.raw_keys(rt, pid)
    if select.table == "persons":
        return 2 * raw_keys.rows_in(keys.persons, key_range(select.where, "id", person_index.sort_key)), True
    if select.table == "person_distinct_ids":
        bounds = key_range(select.where, "distinct_id", str)
        grouped_by_person = any(node.kind == "field" and node.value[-1] == "person_id" for node in select.group_by)
        rows = len(keys.distinct_ids) if grouped_by_person else raw_keys.rows_in(keys.distinct_ids, bounds)
        return rows, False
    if select.table == "groups":
        return len(raw_groups.in_range(rt, pid, select.where)), True
    return None


def measure(model: QueryCost, select: Select, rt: Runtime, pid: int, returned: int) -> Cost:
    """The query's cost under `model` (zero time for tables without a model)."""
    read = rows_read(select, rt, pid)
    if read is None:
        return Cost(0, returned, returned, 0.0, timed_out=False)
    rows, wide = read
    bound_rows = scalars.rows_read(select, rt, pid)  # a next-page bound asked with the page: narrow rows
    per_row = model.per_person_row_s if wide else model.per_key_row_s
    seconds = model.fixed_s + rows * per_row + bound_rows * model.per_key_row_s + returned * model.per_returned_row_s
    rows += bound_rows
    limit = model.time_limit_s
    return Cost(rows, rows, returned, round(seconds, 6), limit is not None and seconds > limit)


def _raw_rows(inner: Select, rt: Runtime, pid: int) -> int:
    if inner.table == "raw_groups":
        return len(raw_groups.in_range(rt, pid, inner.where))
    keys = raw_keys.raw_keys(rt, pid)
    if inner.table == "raw_persons":
        return raw_keys.rows_in(keys.persons, key_range(inner.where, "id", person_index.sort_key))
    return raw_keys.rows_in(keys.distinct_ids, key_range(inner.where, "distinct_id", str))


def _limit(inner: Select) -> int:
    limit = inner.limit
    return int(limit.value) if limit is not None and limit.kind == "const" else 1 << 62
