"""A bounded page's SQL: the stored table aggregated by our own query, as PostHog's lazy table aggregates it.

Why not `SELECT .. FROM person_distinct_ids WHERE distinct_id > a AND distinct_id <= b`: HogQL replaces a lazy
table by its aggregation and puts our WHERE outside it. `select_from_person_distinct_ids_table` ignores the
WHERE (posthog/hogql/database/schema/person_distinct_ids.py @006778d4), as `select_from_groups_table` does
(groups.py @07510273) and older PostHog's `select_from_persons_table` (persons.py @04191165; newer PostHog
copies the WHERE into a `raw_persons` prefilter, persons.py @5ece335f). Only ClickHouse's own optimizer could
move the bound below the GROUP BY, and nothing in PostHog's code says it does. So we aggregate the raw table
ourselves, with the bound in our own WHERE:

    SELECT key, argMax(raw.c, raw.version) AS c, .. FROM raw WHERE key > {after} AND key <= {upper}
    GROUP BY key HAVING argMax(raw.is_deleted, raw.version) = 0 ORDER BY key LIMIT n + 1

This is the lazy table's own definition (`argmax_select`, posthog/hogql/database/argmax.py @0eabdfcd: every
non-key field argMax by the version field, the key selected and grouped, `HAVING argMax(is_deleted, version) =
0` when the table has a deleted field; the fields are qualified with the table, as there, so an alias never
shadows its column). Its WHERE filters the stored table, sorted by the key within a team: `person` ORDER BY
(team_id, id), `person_distinct_id2` ORDER BY (team_id, distinct_id) (posthog/models/person/sql.py @13e21786),
`groups` ORDER BY (team_id, group_type_index, group_key) (posthog/models/group/sql.py @9d67819c). The raw tables
are HogQL tables of their own (RawPersonsTable, RawPersonDistinctIdsTable, RawGroupsTable, same files).

Keys are compared with plain constants, `id > {after}`, never `toUUID({after})`: HogQL's printer wraps a
comparison in `ifNull(.., 0)` when a side may be NULL (posthog/hogql/printer.py @67dfa500,
`visit_compare_operation` and `_is_nullable`: a constant is nullable only when NULL, a field as declared, and
the raw tables declare none nullable, DatabaseField.nullable default, database/models.py @016a4cec), and
`toUUID` prints as `accurateCastOrNull(.., 'UUID')`, a nullable call (functions mapping). ClickHouse compares a
UUID column with a string constant by converting the constant (ClickHouse behaviour, not PostHog code).
A condition on an aggregate (groups changed since a cursor) goes in HAVING, on the aggregate itself.
"""

from dataclasses import dataclass
from typing import Any

from source_posthog.streams.query.keyset import TableScan
from source_posthog.streams.query.sql import Condition, hogql_body, joined


@dataclass(frozen=True)
class Aggregation:
    """How PostHog's lazy table aggregates one stored table (argmax.py's arguments)."""

    keys: tuple[str, ...]
    version: str
    deleted: str | None


AGGREGATIONS = {
    "raw_persons": Aggregation(("id",), "version", "is_deleted"),  # persons.py v1 path
    "raw_person_distinct_ids": Aggregation(("distinct_id",), "version", "is_deleted"),
    "raw_groups": Aggregation(("index", "key"), "updated_at", None),  # `updated_at` is `_timestamp`
}


def of(raw: str) -> Aggregation:
    """The aggregation of a stored table this package reads."""
    return AGGREGATIONS[raw]


def aggregate(raw: str, column: str) -> str:
    """`argMax(raw.column, raw.version)`: the lazy table's value of a non-key column."""
    return f"argMax({raw}.{column}, {raw}.{of(raw).version})"


def key_condition(name: str, op: str, placeholder: str, value: Any) -> Condition:
    """`name OP {placeholder}`, a plain constant, so HogQL prints it without `ifNull` (see above)."""
    return f"{name} {op} {{{placeholder}}}", {placeholder: value}


def page_body(
    scan: TableScan, where: list[Condition], having: tuple[Condition, ...], extra: tuple[str, ...], limit: int
) -> Any:
    """The request for one page: `limit` rows of the aggregation, in key order, `extra` columns added.

    `limit` is the page's rows plus one (is there more?), or fewer when a body was cut (keyset.weighed_page).
    """
    raw = scan.table.raw or ""
    spec = of(raw)
    columns = [name if name in spec.keys else f"{aggregate(raw, name)} AS {name}" for name in scan.table.columns]
    condition, values = joined(where)
    deleted: list[Condition] = [(f"{aggregate(raw, spec.deleted)} = 0", {})] if spec.deleted else []
    kept, having_values = joined([*deleted, *having])
    having_clause = f" HAVING {kept}" if kept else ""
    order = ", ".join(f"{column.name} ASC" for column in scan.table.key)
    # Only this package's table and column names, conditions written here and an int are formatted in.
    sql = (
        f"SELECT {', '.join([*columns, *extra])} FROM {raw} WHERE {condition} "  # noqa: S608
        f"GROUP BY {', '.join(spec.keys)}{having_clause} ORDER BY {order} LIMIT {limit}"
    )
    return hogql_body(sql, {**values, **having_values}, f"source-posthog {scan.table.name}")
