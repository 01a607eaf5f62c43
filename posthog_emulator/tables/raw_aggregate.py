"""A stored person/group table aggregated by the query itself, exactly as PostHog's lazy table aggregates it.

HogQL's `persons`, `person_distinct_ids` and `groups` are `argmax_select` over `raw_persons`,
`raw_person_distinct_ids`, `raw_groups` (posthog/hogql/database/argmax.py @0eabdfcd): grouped by the key
(`id`; `distinct_id`; `index, key`), every other field `argMax(field, version)` (`updated_at` for groups), and
for persons and distinct ids `HAVING argMax(is_deleted, version) = 0` (persons.py @04191165 v1 path,
person_distinct_ids.py @006778d4, groups.py @07510273: no deleted field). A query that spells that out over
the raw table itself, `SELECT key, argMax(raw.c, raw.version) AS c .. FROM raw WHERE <key range> GROUP BY key
HAVING argMax(raw.is_deleted, raw.version) = 0 [AND <condition on an aggregate>] ORDER BY key LIMIT n`,
returns the lazy table's rows; its WHERE filters the stored rows, whose sort key is the key (person/sql.py
@13e21786, group/sql.py @9d67819c), so it reads the rows of its key range (query/table_cost).

Served by rewriting it into the lazy table's query (its extra HAVING arms become WHERE arms on the lazy table's
columns) and answering that (tables/others). Any other aggregation of a raw table is a 400 here.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import NoReturn

from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.parse import Select
from posthog_emulator.tables.key_range import and_arms


@dataclass(frozen=True)
class Spec:
    """How PostHog's lazy table aggregates one raw table."""

    lazy: str
    keys: tuple[str, ...]
    version: str
    deleted: str | None


SPECS = {
    "raw_persons": Spec("persons", ("id",), "version", "is_deleted"),
    "raw_person_distinct_ids": Spec("person_distinct_ids", ("distinct_id",), "version", "is_deleted"),
    "raw_groups": Spec("groups", ("index", "key"), "updated_at", None),
}
SHAPE = "argMax(field, {version}) AS field per column, GROUP BY {keys}{deleted}"


def lazy_name(select: Select) -> str:
    """The table the query reads, the lazy one for a raw table's aggregation (churn and timeout faults key on it)."""
    return SPECS[select.table].lazy if is_aggregate(select) else select.table


def is_aggregate(select: Select) -> bool:
    """Whether the query aggregates a raw table itself (a GROUP BY over raw_persons / _distinct_ids / _groups)."""
    return select.subquery is None and select.table in SPECS and bool(select.group_by)


def as_lazy(select: Select) -> Select:
    """The same rows asked of the lazy table; a 400 unless the aggregation is the lazy table's own."""
    spec = SPECS[select.table]
    if [_name(node) for node in select.group_by] != list(spec.keys):
        _refuse(spec)
    columns: list[tuple[Node, str | None]] = [
        (Node("field", (_column(node, alias, spec),)), None) for node, alias in select.columns
    ]
    arms = and_arms(select.having)
    deleted = [arm for arm in arms if _is_deleted_filter(arm, spec)]
    if spec.deleted is not None and not deleted:
        _refuse(spec)
    extra = [_aliased(arm, spec) for arm in arms if arm not in deleted]  # on an aggregate: its lazy column
    parts = [*and_arms(select.where), *extra]
    where = None if not parts else parts[0] if len(parts) == 1 else Node("and", args=tuple(parts))
    return dataclasses.replace(select, table=spec.lazy, columns=columns, where=where, group_by=[], having=None)


def _column(node: Node, alias: str | None, spec: Spec) -> str:
    """The lazy table's column a SELECT item stands for: a key field, or `argMax(c, version) AS c`."""
    name = _name(node)
    if name is not None and name in spec.keys and alias in (None, name):
        return name
    argmax = node.kind == "call" and node.value == "argMax" and len(node.args) == 2
    if not (argmax and _name(node.args[1]) == spec.version and alias is not None and _name(node.args[0]) == alias):
        _refuse(spec)
    return alias


def _is_deleted_filter(arm: Node, spec: Spec) -> bool:
    """`argMax(is_deleted, version) = 0`."""
    if arm.kind != "cmp" or arm.value != "=" or len(arm.args) != 2:
        return False
    call, zero = arm.args
    is_argmax = call.kind == "call" and call.value == "argMax" and len(call.args) == 2
    on_deleted = is_argmax and _name(call.args[0]) == spec.deleted and _name(call.args[1]) == spec.version
    return on_deleted and zero.kind == "const" and zero.value in (0, False)


def _aliased(node: Node, spec: Spec) -> Node:
    """The HAVING arm on the lazy table's columns: `argMax(c, version)` is column c (a bare `c` names the alias)."""
    if node.kind == "call" and node.value == "argMax":
        if len(node.args) != 2 or _name(node.args[1]) != spec.version or _name(node.args[0]) is None:
            _refuse(spec)
        return Node("field", (_name(node.args[0]),))
    if node.kind == "subquery" or not node.args:
        return node
    return Node(node.kind, node.value, tuple(_aliased(arg, spec) for arg in node.args))


def _name(node: Node) -> str | None:
    return str(node.value[-1]) if node.kind == "field" else None


def _refuse(spec: Spec) -> NoReturn:
    deleted = f" HAVING argMax({spec.deleted}, {spec.version}) = 0" if spec.deleted else ""
    shape = SHAPE.format(version=spec.version, keys=", ".join(spec.keys), deleted=deleted)
    raise ApiError(400, f"The emulator serves an aggregation of this raw table only as: {shape}.", code="hogql_error")
