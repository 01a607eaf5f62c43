"""Compile parsed HogQL into per-row closures over an EventStore's columns.

Each expression becomes a `Val`: a type, and either a constant or a function of the row index.
Comparisons coerce string constants to the other side's type (DateTime in the query timezone,
UUID), and typed UUIDs compare in ClickHouse order (second half first, see eventstore), while
`toString(uuid)` compares as text. Boolean Vals also carry the timestamp range they imply, so
the executor can bisect instead of scanning.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from posthog_emulator.common.timefmt import to_micros
from posthog_emulator.common.web import ApiError
from posthog_emulator.data import ids
from posthog_emulator.data.eventstore import EventStore
from posthog_emulator.hogql import funcs, schema
from posthog_emulator.hogql.funcs import parse_dt
from posthog_emulator.hogql.parse import Node
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
COLUMNS = ("uuid", "event", "properties", "timestamp", "distinct_id", "elements_chain", "created_at")
DATETIME_FUNCS = {"toDateTime64", "toDateTime", "toDateTime64OrNull", "toTimeZone"}
AGGREGATES = {"count", "min", "max"}


def unresolved(name: str) -> ApiError:
    """The error for a column of `events` the emulator does not serve (hogql/schema: PostHog's or ours)."""
    return schema.unresolved("events", name)


class Compiler:
    """Binds expressions to one project's store and query timezone."""

    def __init__(self, store: EventStore, tz: ZoneInfo) -> None:
        self.store, self.tz = store, tz

    def compile(self, node: Node) -> Val:
        """Dispatch on the node kind (`_const`, `_field`, `_call`...)."""
        handler = getattr(self, f"_{node.kind}", None)
        if handler is None:
            raise ApiError(400, f"Unsupported expression: {node.kind}", code="hogql_error")
        result: Val = handler(node)
        return result

    def _const(self, node: Node) -> Val:
        value = node.value
        kind = (
            "null"
            if value is None
            else "bool"
            if isinstance(value, bool)
            else ("number" if isinstance(value, int | float) else "str")
        )
        return Val(kind, const=value)

    def _field(self, node: Node) -> Val:
        chain: tuple[str, ...] = node.value
        s = self.store
        if chain[0] == "events" and len(chain) > 1:
            chain = chain[1:]
        name = chain[0]
        if len(chain) > 1 and name == "properties":
            key = ".".join(chain[1:])
            return Val("str", fn=lambda i: _property_text(s.properties(i).get(key)))
        if len(chain) > 1 or name not in COLUMNS:
            raise unresolved(".".join(chain))
        if name == "timestamp":
            return Val("datetime", fn=s.ts.__getitem__, is_ts_column=True)
        if name == "created_at":
            return Val("datetime", fn=s.created.__getitem__)  # ingestion time: no sort key, no pruning
        if name == "uuid":
            return Val("uuid", fn=lambda i: (s.lo[i], s.hi[i]))
        getters = {
            "event": s.event,
            "distinct_id": s.distinct_id,
            "elements_chain": s.elements_chain,
            "properties": s.properties_json,
        }
        return Val("json" if name == "properties" else "str", fn=getters[name])

    def _call(self, node: Node) -> Val:
        name, args = node.value, [self.compile(a) for a in node.args]
        if name in DATETIME_FUNCS and args:
            return funcs.to_datetime(args, self.tz)
        if name == "toUnixTimestamp" and len(args) in (1, 2):
            return funcs.unix_timestamp(args, self.tz)
        if name == "intDiv" and len(args) == 2:
            return funcs.int_div(args[0], args[1])
        if name == "toUUID" and len(args) == 1:
            return self._coerce(args[0], "uuid")
        if name == "toString" and len(args) == 1:
            return self._to_string(args[0])
        if name == "now" and not args:
            return Val("datetime", const=to_micros(datetime.now(UTC)))
        if name in AGGREGATES:
            raise ApiError(400, f"Aggregation '{name}' is only supported as a whole select column", code="hogql_error")
        raise ApiError(400, f"Unsupported function call '{name}(...)'", code="hogql_error")

    def _to_string(self, arg: Val) -> Val:
        if arg.type == "uuid":
            if arg.fn is None:
                return Val("str", const=ids.uuid_text((arg.const[1] << 64) | arg.const[0]))
            return Val("str", fn=self.store.uuid)
        if arg.type == "datetime" and arg.fn is not None:
            fn = arg.fn
            return Val("str", fn=lambda i: str(datetime.fromtimestamp(fn(i) / 1e6, UTC))[:26])
        return Val("str", fn=arg.fn, const=None if arg.const is None else str(arg.const))

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

    def _star(self, _node: Node) -> Val:
        raise ApiError(400, "Unexpected '*' in expression", code="hogql_error")


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


def _property_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()
