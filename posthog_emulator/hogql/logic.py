"""Comparisons and boolean logic of compiled HogQL, and the timestamp range a condition implies.

Comparisons coerce string constants to the other side's type (DateTime in the query timezone, UUID),
and typed UUIDs compare in ClickHouse order (second half first, see eventstore). Boolean Vals carry
the timestamp range they imply (`ts_lo`/`ts_hi`), so the executor can bisect instead of scanning.
Kept apart from evaluate's fields and functions, which differ per table.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from posthog_emulator.common.web import ApiError
from posthog_emulator.data import ids
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.funcs import parse_dt
from posthog_emulator.hogql.val import Val

OPS: dict[str, Callable[[Any, Any], bool]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
FLIPPED = {"=": "=", "!=": "!=", "<": ">", "<=": ">=", ">": "<", ">=": "<="}


class LogicCompiler:
    """The table-independent half of a compiler: `compile` of fields and calls is the subclass's."""

    def __init__(self, tz: ZoneInfo) -> None:
        self.tz = tz

    def compile(self, node: Node) -> Val:
        """Compile one expression node; defined by the subclass that knows the table."""
        raise NotImplementedError

    def _coerce(self, val: Val, target: str) -> Val:
        """String constants become typed constants of the other side (HogQL's implicit cast)."""
        if val.type == target or val.fn is not None or val.type != "str":
            return val
        if target == "datetime":
            return Val("datetime", const=parse_dt(str(val.const), self.tz))
        if target == "uuid":
            try:
                return Val("uuid", const=ids.clickhouse_key(ids.parse_uuid(str(val.const))))
            except ValueError as exc:
                raise ApiError(400, f"Cannot parse UUID: {val.const}", code="hogql_error") from exc
        return val

    def _cmp(self, node: Node) -> Val:
        left, right = (self.compile(a) for a in node.args)
        op = node.value
        if op in ("in", "not in"):
            return self._in(left, right, negate=op == "not in")
        if left.type == "tuple" or right.type == "tuple":
            return self._cmp_tuple(op, left, right)
        left, right = self._coerce(left, right.type), self._coerce(right, left.type)
        if right.is_ts_column and right.fn is not None and left.fn is None:
            left, right, op = right, left, FLIPPED[op]
        compare = OPS[op]
        if left.fn is None and right.fn is None:
            return Val("bool", const=compare(left.const, right.const))
        lo, hi = _bounds(op, right.const) if left.is_ts_column and right.fn is None else (None, None)
        lf = left.at()
        if right.fn is None:
            c = right.const
            return Val("bool", fn=lambda i: compare(lf(i), c), ts_lo=lo, ts_hi=hi)
        rf = right.fn
        return Val("bool", fn=lambda i: compare(lf(i), rf(i)))

    def _in(self, left: Val, right: Val, *, negate: bool) -> Val:
        """`x [NOT] IN ('a', 'b')` or `x [NOT] IN {list}`: membership in a set of constants."""
        items = right.const if right.type == "tuple" else [right]
        if right.fn is not None or any(item.fn is not None for item in items):
            raise ApiError(400, "IN needs a tuple or array of constants", code="hogql_error")
        values = {v for item in items for v in (item.const if isinstance(item.const, list) else [item.const])}
        lf = left.at()
        return Val("bool", fn=lambda i: (lf(i) in values) != negate)

    def _tuple(self, node: Node) -> Val:
        items = [self.compile(a) for a in node.args]
        return Val("tuple", const=items)

    def _cmp_tuple(self, op: str, left: Val, right: Val) -> Val:
        if left.type != "tuple" or right.type != "tuple" or len(left.const) != len(right.const):
            raise ApiError(400, "Tuple comparison needs tuples of the same size", code="hogql_error")
        pairs = [
            (self._coerce(a, b.type), self._coerce(b, a.type)) for a, b in zip(left.const, right.const, strict=True)
        ]
        lfs = [a.at() for a, _ in pairs]
        rfs = [b.at() for _, b in pairs]
        compare = OPS[op]
        first, other = pairs[0]
        lo, hi = (None, None)
        if first.is_ts_column and other.fn is None:
            lo, hi = _bounds({">": ">=", "<": "<="}.get(op, op), other.const)
        return Val("bool", fn=lambda i: compare(tuple(f(i) for f in lfs), tuple(f(i) for f in rfs)), ts_lo=lo, ts_hi=hi)

    def _and(self, node: Node) -> Val:
        parts = [self.compile(a) for a in node.args]
        fn = parts[0].at()
        for part in parts[1:]:
            fn = _both(fn, part.at())
        los = [p.ts_lo for p in parts if p.ts_lo is not None]
        his = [p.ts_hi for p in parts if p.ts_hi is not None]
        return Val("bool", fn=fn, ts_lo=max(los) if los else None, ts_hi=min(his) if his else None)

    def _or(self, node: Node) -> Val:
        parts = [self.compile(a) for a in node.args]
        fn = parts[0].at()
        for part in parts[1:]:
            fn = _either(fn, part.at())
        los = [p.ts_lo for p in parts]
        his = [p.ts_hi for p in parts]
        return Val(
            "bool",
            fn=fn,
            ts_lo=None if None in los else min(x for x in los if x is not None),
            ts_hi=None if None in his else max(x for x in his if x is not None),
        )

    def _not(self, node: Node) -> Val:
        inner = self.compile(node.args[0]).at()
        return Val("bool", fn=lambda i: not inner(i))


def _both(a: Callable[[int], Any], b: Callable[[int], Any]) -> Callable[[int], Any]:
    return lambda i: a(i) and b(i)


def _either(a: Callable[[int], Any], b: Callable[[int], Any]) -> Callable[[int], Any]:
    return lambda i: a(i) or b(i)


def _bounds(op: str, value: Any) -> tuple[int | None, int | None]:
    """Inclusive timestamp bounds implied by `timestamp <op> value`.

    Exact for integer microseconds (`< t` is `<= t - 1`), so a half-open day window touches one
    day, which the query cost model relies on.
    """
    step = 1 if isinstance(value, int) and not isinstance(value, bool) else 0
    return {
        "=": (value, value),
        ">": (value + step, None),
        ">=": (value, None),
        "<": (None, value - step),
        "<=": (None, value),
    }.get(op, (None, None))
