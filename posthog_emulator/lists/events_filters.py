"""Row filters of the legacy `/events/` list: `event`, `distinct_id` and `properties` (§6.7).

`properties` is a JSON list of filters (all must hold) or an AND/OR group of them. Only the
`{"type": "hogql", "key": "<boolean HogQL>"}` filter is served: it runs on the same compiler as
`/query/`, so an unknown field is the same 400 there and here.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

import orjson

from posthog_emulator.common.web import ApiError
from posthog_emulator.data.eventstore import EventStore
from posthog_emulator.hogql.evaluate import Compiler
from posthog_emulator.hogql.expr import parse_expr

RowTest = Callable[[int], bool]


def row_filter(store: EventStore, q: dict[str, str], tz_name: str) -> RowTest | None:
    """One predicate over row indexes for every filter in the query string, None when there is none."""
    tests: list[RowTest] = []
    event, distinct = q.get("event"), q.get("distinct_id")
    if event is not None:
        tests.append(lambda i: bool(store.event(i) == event))
    if distinct is not None:
        tests.append(lambda i: bool(store.distinct_id(i) == distinct))
    if q.get("properties"):
        tests.append(_properties(Compiler(store, ZoneInfo(tz_name)), _parse_json(q["properties"])))
    if not tests:
        return None
    return tests[0] if len(tests) == 1 else lambda i: all(test(i) for test in tests)


def _parse_json(text: str) -> Any:
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise ApiError(400, "Properties are unparsable!", code="invalid_input") from exc


def _properties(compiler: Compiler, spec: Any) -> RowTest:
    """A list means AND; a group is {"type": "AND"|"OR", "values": [...]}; anything else is one filter."""
    if isinstance(spec, list):
        return _combine([_properties(compiler, item) for item in spec], all)
    if not isinstance(spec, dict):
        raise ApiError(400, "Properties are unparsable!", code="invalid_input")
    kind = spec.get("type")
    if kind in ("AND", "OR") and isinstance(spec.get("values"), list):
        return _combine([_properties(compiler, item) for item in spec["values"]], all if kind == "AND" else any)
    if kind == "hogql":
        return _hogql(compiler, str(spec.get("key") or ""))
    raise ApiError(400, f"Property filter type '{kind}' is not served by the emulator", code="invalid_input")


def _combine(tests: list[RowTest], how: Callable[[Any], bool]) -> RowTest:
    return lambda i: how(test(i) for test in tests)


def _hogql(compiler: Compiler, expression: str) -> RowTest:
    """The expression compiled once; a non-boolean one is rejected like ClickHouse's filter type check."""
    val = compiler.compile(parse_expr(expression))
    if val.type != "bool":
        raise ApiError(400, f"Property filter must be a boolean expression: {expression}", code="hogql_error")
    fn = val.at()
    return lambda i: bool(fn(i))
