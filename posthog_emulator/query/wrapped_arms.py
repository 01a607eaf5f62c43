"""A query as old ClickHouse's primary-key analysis sees it: AND arms HogQL prints inside `ifNull(..)` dropped.

HogQL's printer (posthog/hogql/printer.py @67dfa500, `visit_compare_operation`) prints a comparison bare only
when neither side is nullable (`_is_nullable`: a constant only when it is NULL, a field as its table declares
it, a call by its return type, else nullable); otherwise it wraps it, `ifNull(greater(a, b), 0)`. `toUUID(x)`
is printed as `accurateCastOrNull(x, 'UUID')` (functions mapping), a nullable call: so `id > toUUID('..')`
is wrapped, while `id > '..'` (a non-nullable field against a string constant) is not. Whether a given
ClickHouse uses a wrapped comparison for its primary key is not in PostHog's code: the issue reports old ones
do not; `QueryCost.wrapped_compare_reads_all` plays such an instance, and this module gives it the query with
those arms gone (in the WHERE, the FROM subquery and each scalar subquery).
"""

from __future__ import annotations

import dataclasses

from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.parse import Select
from posthog_emulator.tables.key_range import and_arms


def without_wrapped(select: Select) -> Select:
    """The query with every top-level AND arm that compares against a call (`toUUID(..)`) removed."""
    kept = [arm for arm in and_arms(select.where) if not _wrapped(arm)]
    where = None if not kept else kept[0] if len(kept) == 1 else Node("and", args=tuple(kept))
    columns = [(_in_subquery(node), alias) for node, alias in select.columns]
    inner = None if select.subquery is None else without_wrapped(select.subquery)
    return dataclasses.replace(select, where=where, columns=columns, subquery=inner)


def _wrapped(arm: Node) -> bool:
    """A comparison with a side HogQL takes as nullable: here, a `toUUID(..)` call."""
    return arm.kind == "cmp" and any(side.kind == "call" and side.value == "toUUID" for side in arm.args)


def _in_subquery(node: Node) -> Node:
    return Node("subquery", without_wrapped(node.value)) if node.kind == "subquery" else node
