"""The range of one key column a WHERE pins down through its AND arms: what reaches a sort key in ClickHouse.

Only `key OP constant` arms of a top-level AND count (`toUUID('..')` is a constant): an arm under OR or NOT,
or one comparing something else, narrows nothing, as PostHog's WhereClauseExtractor drops what it cannot
extract (posthog/hogql/database/schema/util/test/test_person_where_clause_extractor.py @02b9c9a0).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from posthog_emulator.hogql.expr import Node


@dataclass(frozen=True)
class KeyRange:
    """low < key < high (or <= where inclusive); None: unbounded on that side."""

    low: Any = None
    low_inclusive: bool = True
    high: Any = None
    high_inclusive: bool = True

    @property
    def bounded(self) -> bool:
        """Whether either side is bounded."""
        return self.low is not None or self.high is not None


def key_range(where: Node | None, name: str, convert: Callable[[Any], Any]) -> KeyRange:
    """The tightest range the AND arms of `where` put on field `name`; values through `convert`."""
    bounds = KeyRange()
    for arm in and_arms(where):
        literal = _literal(arm, name)
        if literal is None:
            continue
        try:
            value = convert(literal)
        except ValueError:
            continue
        bounds = _narrowed(bounds, arm.value, value)
    return bounds


def and_arms(node: Node | None) -> list[Node]:
    """The arms of a top-level AND (nested ANDs flattened); one arm for anything else, none for no WHERE."""
    if node is None:
        return []
    if node.kind == "and":
        return [arm for child in node.args for arm in and_arms(child)]
    return [node]


def _literal(arm: Node, name: str) -> Any:
    """The constant of `name OP constant`, else None."""
    if arm.kind != "cmp" or arm.value not in (">", ">=", "<", "<=", "=", "==") or len(arm.args) != 2:
        return None
    field, literal = arm.args
    if field.kind != "field" or field.value[-1] != name:
        return None
    if literal.kind == "call" and literal.value == "toUUID" and len(literal.args) == 1:
        literal = literal.args[0]
    return literal.value if literal.kind == "const" and literal.value is not None else None


def _narrowed(bounds: KeyRange, op: str, value: Any) -> KeyRange:
    low, low_inc, high, high_inc = bounds.low, bounds.low_inclusive, bounds.high, bounds.high_inclusive
    if op in (">", ">=", "=", "==") and (low is None or value > low or (value == low and op == ">")):
        low, low_inc = value, op != ">"
    if op in ("<", "<=", "=", "==") and (high is None or value < high or (value == high and op == "<")):
        high, high_inc = value, op != "<"
    return KeyRange(low, low_inc, high, high_inc)
