"""Scalar subqueries in a SELECT list: the next page's bound that a bounded page asks for with its rows.

`SELECT cols, (SELECT max(k) FROM (SELECT k FROM raw_t WHERE k > x ORDER BY k LIMIT n)) AS next_key,
(SELECT count() FROM (...)) AS next_rows FROM t WHERE ...`: ClickHouse runs each scalar subquery once and
repeats its value on every row. Each is answered like a bound query (tables/raw_keys.bound_row).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql.parse import Select
from posthog_emulator.hogql.result import Outcome
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import raw_keys

Scalar = tuple[str, Any, str]  # (column name, value, ClickHouse type)


def split(query: Select, rt: Runtime, pid: int) -> tuple[Select, list[Scalar], int]:
    """The query without its scalar-subquery columns, each one's value, and the raw rows they read."""
    kept, scalars, read = [], [], 0
    for node, alias in query.columns:
        if node.kind != "subquery":
            kept.append((node, alias))
            continue
        value, kind, rows = _value(node.value, rt, pid)
        scalars.append((alias or "subquery", value, kind))
        read += rows
    return (dataclasses.replace(query, columns=kept) if scalars else query), scalars, read


def rows_read(query: Select, rt: Runtime, pid: int) -> int:
    """Raw rows the query's scalar subqueries read."""
    return split(query, rt, pid)[2]


def appended(out: Outcome, scalars: list[Scalar]) -> Outcome:
    """The outcome with each scalar as a last column, repeated on every row."""
    for name, value, kind in scalars:
        out.columns.append(name)
        out.types.append([name, kind])
        for row in out.rows:
            row.append(value)
    return out


def _value(inner: Select, rt: Runtime, pid: int) -> tuple[Any, str, int]:
    """(value, ClickHouse type, rows read) of `SELECT max(k)` or `SELECT count()` over a raw subquery."""
    names = [node.value for node, _alias in inner.columns if node.kind == "call"]
    if names not in (["max"], ["count"]) or raw_keys.bound_table(inner) is None:
        raise ApiError(400, "The emulator serves scalar subqueries only as a raw table's bound.", code="hogql_error")
    (last, count), read = raw_keys.bound_row(inner, rt, pid)
    if names == ["count"]:
        return count, "UInt64", read
    return last, raw_keys.bound_type(inner), read
