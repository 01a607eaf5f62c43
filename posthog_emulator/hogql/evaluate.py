"""Compile parsed HogQL into per-row closures over an EventStore's columns.

Each expression becomes a `Val`: a type, and either a constant or a function of the row index.
Here are the events table's fields and the functions; comparisons and AND/OR/NOT, with the
timestamp range a condition implies, are hogql/logic's. `toString(uuid)` compares as text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from posthog_emulator.common.timefmt import to_micros
from posthog_emulator.common.web import ApiError
from posthog_emulator.data import ids
from posthog_emulator.data.eventstore import EventStore
from posthog_emulator.hogql import funcs, schema
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.logic import LogicCompiler
from posthog_emulator.hogql.val import Val

COLUMNS = ("uuid", "event", "properties", "timestamp", "distinct_id", "elements_chain", "created_at")
DATETIME_FUNCS = {"toDateTime64", "toDateTime", "toDateTime64OrNull", "toTimeZone"}
AGGREGATES = {"count", "min", "max"}


def unresolved(name: str) -> ApiError:
    """The error for a column of `events` the emulator does not serve (hogql/schema: PostHog's or ours)."""
    return schema.unresolved("events", name)


class Compiler(LogicCompiler):
    """Binds expressions to one project's store and query timezone."""

    def __init__(self, store: EventStore, tz: ZoneInfo) -> None:
        super().__init__(tz)
        self.store = store

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
            # PostHog reads a property as nullable text (JSONExtractRaw, then nullIf ''/'null').
            return Val("str", fn=lambda i: _property_text(s.properties(i).get(key)), sql_type="Nullable(String)")
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
        if name in (*funcs.NUMBER_CASTS, "toUUID", "toString") and len(args) == 1:
            return self._cast(name, args[0])
        if name == "now" and not args:
            return Val("datetime", const=to_micros(datetime.now(UTC)))
        if name in AGGREGATES:
            raise ApiError(400, f"Aggregation '{name}' is only supported as a whole select column", code="hogql_error")
        raise ApiError(400, f"Unsupported function call '{name}(...)'", code="hogql_error")

    def _cast(self, name: str, arg: Val) -> Val:
        """toUUID, toString, toFloat, toInt & co. of one argument."""
        if name == "toUUID":
            return self._coerce(arg, "uuid")
        return self._to_string(arg) if name == "toString" else funcs.to_number(name, arg)

    def _to_string(self, arg: Val) -> Val:
        if arg.type == "uuid":
            if arg.fn is None:
                return Val("str", const=ids.uuid_text((arg.const[1] << 64) | arg.const[0]))
            return Val("str", fn=self.store.uuid)
        if arg.type == "datetime" and arg.fn is not None:
            fn = arg.fn
            return Val("str", fn=lambda i: str(datetime.fromtimestamp(fn(i) / 1e6, UTC))[:26])
        return Val("str", fn=arg.fn, const=None if arg.const is None else str(arg.const))

    def _star(self, _node: Node) -> Val:
        raise ApiError(400, "Unexpected '*' in expression", code="hogql_error")


def _property_text(value: Any) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return orjson.dumps(value).decode()
