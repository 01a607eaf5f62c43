"""Rows a query of PostHog's person tables reads in ClickHouse, by what its WHERE reaches (PostHog/posthog code).

HogQL's `persons`, `person_distinct_ids` and `groups` are argMax aggregations of stored tables sorted by
(team_id, key) (tables/raw_keys, tables/raw_groups). A LIMIT never reaches below an aggregation. Per query:
- a raw table aggregated by the query itself (tables/raw_aggregate): its WHERE filters the stored rows, whose
  sort key is the key (person/sql.py @13e21786, group/sql.py @9d67819c): the raw rows of that key range, read
  once (persons and groups wide, distinct ids narrow). No pushdown is involved.
- a raw table's bound, `FROM (SELECT k FROM raw_t .. ORDER BY k LIMIT n)`: in sort order, at most n rows.
- `persons` (`select_from_persons_table`, posthog/hogql/database/schema/persons.py @5ece335f): the WHERE's
  extractable arms become a prefilter on `raw_persons`, no LIMIT: the raw rows of that `id` range, read twice
  (prefilter, then the argMax of those ids); all of them twice without a WHERE. (Older PostHog has no
  prefilter, persons.py @04191165; the same figure stands for ClickHouse's own pushdown there.)
- `person_distinct_ids` (person_distinct_ids.py @006778d4) and `groups` (groups.py @07510273) ignore the
  WHERE: nothing in PostHog's code moves it below their GROUP BY. Every raw row of the team, unless
  `QueryCost.grouping_key_pushdown` assumes ClickHouse does it for arms on the GROUP BY key (the issue's
  experiment): then the raw rows of that range (groups: a `key` range only within one pinned `index`).
  GROUP BY person_id (an argMax result) reads the whole team either way.
- `QueryCost.wrapped_compare_reads_all` (old ClickHouse): HogQL prints a comparison with a nullable side inside
  `ifNull(.., 0)` (printer.py @67dfa500 `visit_compare_operation`, `_is_nullable`: a constant is nullable only
  when NULL, a field by its declaration, anything else, such as `toUUID(..)` = accurateCastOrNull, is); such an
  arm narrows nothing (query/wrapped_arms).
- `sessions`: the raw sessions its `$start_timestamp` range reaches, widened by 3 days (query/session_cost).
Seconds = fixed + rows x (per_person_row_s for persons, groups and sessions, per_key_row_s for narrow rows) + returned x
per_returned_row_s; over the limit, query/cost.settle answers PostHog's 504, as for events.
"""

from __future__ import annotations

from posthog_emulator.config.limit_settings import QueryCost
from posthog_emulator.hogql.parse import Select
from posthog_emulator.query import session_cost
from posthog_emulator.query.cost import Cost
from posthog_emulator.query.wrapped_arms import without_wrapped
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import person_index, raw_aggregate, raw_groups, raw_keys, scalars
from posthog_emulator.tables.key_range import key_range


def rows_read(select: Select, rt: Runtime, pid: int, pushdown: bool = False) -> tuple[int, bool] | None:
    """(rows ClickHouse reads, whether they are wide person rows), or None for a table without a model."""
    if select.subquery is not None:
        return min(_limit(select.subquery), _raw_rows(select.subquery, rt, pid)), False
    if raw_aggregate.is_aggregate(select):
        return _raw_rows(select, rt, pid), select.table != "raw_person_distinct_ids"
    return _lazy_rows(select, rt, pid, pushdown)


def _lazy_rows(select: Select, rt: Runtime, pid: int, pushdown: bool) -> tuple[int, bool] | None:
    """Rows a query of a lazy table reads: its prefilter (persons), or ClickHouse's pushdown if assumed."""
    keys = raw_keys.raw_keys(rt, pid)
    if select.table == "persons":
        return 2 * raw_keys.rows_in(keys.persons, key_range(select.where, "id", person_index.sort_key)), True
    if select.table == "person_distinct_ids":
        grouped_by_person = any(node.kind == "field" and node.value[-1] == "person_id" for node in select.group_by)
        if grouped_by_person or not pushdown:
            return len(keys.distinct_ids), False
        return raw_keys.rows_in(keys.distinct_ids, key_range(select.where, "distinct_id", str)), False
    if select.table == "groups":
        return len(raw_groups.in_range(rt, pid, select.where if pushdown else None)), True
    if select.table == "sessions":  # its `$start_timestamp` range, ± 3 days (query/session_cost)
        return session_cost.rows_read(select, rt, pid), True
    return None


def measure(model: QueryCost, select: Select, rt: Runtime, pid: int, returned: int) -> Cost:
    """The query's cost under `model` (zero time for tables without a model)."""
    if model.wrapped_compare_reads_all:
        select = without_wrapped(select)
    read = rows_read(select, rt, pid, model.grouping_key_pushdown)
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
