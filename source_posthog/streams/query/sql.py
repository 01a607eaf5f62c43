"""HogQL queries for `POST /query/`: keyset pages in a table's total order, ranges, aggregates (reader: keyset.py).

Rows come `ORDER BY` the table's key, a total order, and each page asks for rows strictly after the last
row's key: `(k1 > v1) OR (k1 = v1 AND k2 > v2) ...`. Each value is compared as its column's own type
(`toDateTime64(.., 6, 'UTC')`, `toUUID(..)`), exactly as ORDER BY compares it: ClickHouse's UUID order is
not string order, and a bare datetime literal is read in the project's timezone. Every value travels as a
typed placeholder. No OFFSET (PostHog rejects it for personal API keys).
"""

from collections.abc import Sequence
from dataclasses import KW_ONLY, dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from source_posthog.errors import InternalError
from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.query.client import QueryPoster
from source_posthog.streams.timestamps import hogql_literal

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
    _: KW_ONLY
    source: str | None = None
    """A subquery `(SELECT ...)` read in place of the table `name` (custom queries): its rows are selected whole
    (`SELECT *`), since its column names may not be valid to name again (`properties.$ai_model`)."""
    raw: str | None = None
    """The stored table this lazy one aggregates, sorted by the key within a team: pages are then bounded on both
    sides by it (query/bounded.py), persons, person_distinct_ids and groups (a two-column key)."""

    @property
    def from_clause(self) -> str:
        """What the query reads FROM: the table's name, or its subquery."""
        return self.source or self.name


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
    client: QueryPoster, project_id: int, select: str, where: list[Condition], *, name: str
) -> list[Any]:
    """The single row of an aggregate where every condition holds, e.g. `select="count() FROM events"`."""
    condition, values = joined(where)
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
    names = [f"after_{column.name.replace('$', '')}" for column in key]  # `$start_timestamp` is a column name
    values = {name: _placeholder_value(column, value) for name, column, value in zip(names, key, after, strict=True)}
    literals = [column.type.value.format(name) for name, column in zip(names, key, strict=True)]
    terms = []
    for i, column in enumerate(key):
        parts = [f"{key[j].name} = {literals[j]}" for j in range(i)] + [f"{column.name} > {literals[i]}"]
        terms.append(parts[0] if len(parts) == 1 else f"({' AND '.join(parts)})")
    return f"({' OR '.join(terms)})", values


def build_query(
    table: HogQLTable, name: str, limit: int, where: Sequence[Condition] = (), after: Key | None = None
) -> dict[str, Any]:
    """The body for one page: rows matching every `where` condition strictly after `after`, in key order."""
    parts = list(where)
    if after is not None:
        parts.append(after_condition(table.key, after))
    condition, values = joined(parts)
    where_clause = f" WHERE {condition}" if parts else ""
    order = ", ".join(f"{column.name} ASC" for column in table.key)
    # Only table names (or a user's own query), conditions written here and an int are formatted in.
    select = "*" if table.source else ", ".join(table.columns)
    sql = f"SELECT {select} FROM {table.from_clause}{where_clause} ORDER BY {order} LIMIT {limit}"  # noqa: S608
    return hogql_body(sql, values, name)


def _placeholder_value(column: KeyColumn, value: Any) -> Any:
    """A key value as its placeholder: datetimes as UTC text that `toDateTime64(.., 'UTC')` reads."""
    return hogql_literal(value) if column.type is KeyType.DATETIME else value
