"""`POST /query/` (HogQLQuery), its async 202 flow, and the 3-concurrent-queries-per-project limit.

A query holds its project's slot for its whole simulated run time (query_cost), so concurrent
clients collide as on PostHog Cloud: the 4th waits `query_queue_s`, then gets the 429.
"""

from __future__ import annotations

import dataclasses
import time
import uuid as uuidlib
from datetime import UTC, datetime, timedelta
from typing import Any

from posthog_emulator.common.web import ApiError, Request, Response
from posthog_emulator.data import duplicates
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.parse import Select, parse_select
from posthog_emulator.query import compat, person_churn, person_timeout, read_budget, table_cost
from posthog_emulator.query import cost as query_cost
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import events as events_table
from posthog_emulator.tables import others, raw_aggregate, raw_keys, subquery

ASYNC_MODES = {"async", "force_async", "lazy_async", "async_except_on_cache_miss"}
ASYNC_POLLS_BEFORE_DONE = 1  # the first status poll still says "running"
UNLIMITED = Node("const", 10**12)  # a subquery without LIMIT returns every row
TOO_MANY_QUERIES = "Too many queries are running right now — please try again in a moment."


def run_query(rt: Runtime, req: Request, pid: int | None) -> Response:
    """Execute a HogQLQuery synchronously, or start the async flow; the slot is held for the simulated time."""
    body = req.json()
    node = body.get("query") if isinstance(body, dict) else None
    if not isinstance(node, dict) or "kind" not in node:
        raise ApiError(400, "This field is required.", code="required", attr="query")
    compat.check_quota(rt)
    compat.check_node(rt, node)
    read_budget.admit(rt, pid or 0)
    if node["kind"] != "HogQLQuery":
        raise ApiError(400, f"Query kind '{node['kind']}' is not served by the emulator", code="invalid_input")
    project = pid or 0
    blocking = not (body.get("refresh") in ASYNC_MODES or body.get("async") is True)
    with _slot(rt, project):
        if rt.faults.query_latency_s:
            time.sleep(rt.faults.query_latency_s)
        result, cost = _hogql(rt, project, node, blocking)
        read_budget.debit(rt, project, cost.scanned_rows)  # what it read counts, even past the time limit
        query_cost.settle(rt.limits.query_cost, cost, blocking=blocking)
    log = {"query_cost": cost.log()}
    if not blocking:
        return _submit_async(rt, project, result, log)
    return Response(200, result, log=log)


def _hogql(rt: Runtime, pid: int, node: dict[str, Any], blocking: bool) -> tuple[dict[str, Any], query_cost.Cost]:
    sql = str(node.get("query") or "")
    values = node.get("values") or {}
    select = parse_select(sql, values if isinstance(values, dict) else {})
    tz = compat.timezone(rt, pid, node.get("modifiers") or {})
    out, cost = _execute(rt, pid, select, tz, blocking=blocking)
    return _body(sql, node, tz, out, cost), cost


def _execute(
    rt: Runtime, pid: int, select: Select, tz: str, *, blocking: bool, capped: bool = True
) -> tuple[events_table.Outcome, query_cost.Cost]:
    """Run one SELECT: over a subquery's result, a table other than events, or the events store."""
    row_cap = rt.quirks.query_row_cap if capped else None  # PostHog caps what it returns, not a subquery
    if select.subquery is not None and raw_keys.bound_table(select) is None:
        inner = subquery.pushed_down(select)
        inner = dataclasses.replace(inner, limit=inner.limit or UNLIMITED)
        inner_out, cost = _execute(rt, pid, inner, tz, blocking=blocking, capped=False)
        opts = events_table.Options(tz, rt.quirks.query_json_string_properties, row_cap, False)
        out = subquery.evaluate(select, inner_out, opts)
        if inner.table == "events" and inner.subquery is None:  # PostHog returns the outer rows, not the inner
            store = rt.dataset.events[pid]
            cost = query_cost.measure(rt.limits.query_cost, store, inner_out.ts_range, len(out.rows), out.aggregate)
        return out, cost
    if select.table != "events":
        return _table_query(rt, pid, select, tz, blocking=blocking, row_cap=row_cap)
    store = rt.dataset.events[pid]
    opts = events_table.Options(
        tz,
        rt.quirks.query_json_string_properties,
        row_cap,
        allow_offset=not rt.quirks.query_reject_offset,
        duplicate=duplicates.row_test(store, rt.quirks.duplicate_rows, rt.settings.seed),
    )
    with store.lock:
        out = events_table.execute(select, store, opts)
        cost = query_cost.measure(rt.limits.query_cost, store, out.ts_range, len(out.rows), out.aggregate)
    return out, cost


def _table_query(
    rt: Runtime, pid: int, select: Select, tz: str, *, blocking: bool, row_cap: int | None
) -> tuple[events_table.Outcome, query_cost.Cost]:
    """A query of persons, person_distinct_ids or groups (tables/others); persons may churn first, or time out."""
    person_churn.on_table_query(rt, pid, raw_aggregate.lazy_name(select))
    reject_offset = rt.quirks.query_reject_offset
    opts = events_table.Options(tz, rt.quirks.query_json_string_properties, row_cap, not reject_offset)
    with rt.dataset.lock:
        out = others.execute(select, rt, pid, opts)
        cost = table_cost.measure(rt.limits.query_cost, select, rt, pid, len(out.rows))
    if blocking:  # async queries run outside the API's 10 s limit
        person_timeout.check(rt.faults.persons_query_row_limit, select, out)
    return out, cost


def _body(sql: str, node: dict[str, Any], tz: str, out: events_table.Outcome, cost: query_cost.Cost) -> dict[str, Any]:
    """The 200 body of §6.8 around the outcome's columns, types and rows."""
    now = datetime.now(UTC).replace(microsecond=0)
    return {
        "columns": out.columns,
        "types": out.types,
        "results": out.rows,
        "hasMore": out.has_more,
        "limit": out.limit,
        "offset": out.offset,
        "hogql": sql,
        "clickhouse": sql,
        "query": sql,
        "timezone": tz,
        "timings": [{"k": "./query", "t": cost.simulated_s or 0.01}],
        "modifiers": node.get("modifiers") or {},
        "error": None,
        "explain": None,
        "metadata": None,
        "is_cached": False,
        "cache_key": f"cache_{uuidlib.uuid4().hex}",
        "last_refresh": _z(now),
        "next_allowed_client_refresh": _z(now + timedelta(minutes=1)),
        "cache_target_age": _z(now + timedelta(hours=6)),
        "query_status": None,
    }


def _z(dt: datetime) -> str:
    return dt.isoformat().replace("+00:00", "Z")


class _slot:  # noqa: N801 - used as a context manager, reads like one
    """Holds one of the project's concurrent-query slots; 429 without Retry-After when none frees up."""

    def __init__(self, rt: Runtime, pid: int) -> None:
        self.limit, self.wait_s, self.pid = rt.limits.query_concurrency, rt.limits.query_queue_s, pid
        self.slots, self.cond = rt.query_slots, rt.slots_cond

    def __enter__(self) -> None:
        if self.limit is None:
            return
        deadline = time.monotonic() + self.wait_s
        with self.cond:
            while self.slots.get(self.pid, 0) >= self.limit:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise ApiError(429, TOO_MANY_QUERIES, code="throttled")  # no Retry-After (§10)
                self.cond.wait(remaining)
            self.slots[self.pid] = self.slots.get(self.pid, 0) + 1

    def __exit__(self, *_exc: object) -> None:
        if self.limit is None:
            return
        with self.cond:
            self.slots[self.pid] -= 1
            self.cond.notify_all()


def _submit_async(rt: Runtime, pid: int, result: dict[str, Any], log: dict[str, Any]) -> Response:
    qid = uuidlib.uuid4().hex
    status = {
        "id": qid,
        "team_id": pid,
        "complete": False,
        "error": False,
        "error_message": None,
        "query_async": True,
        "results": None,
        "start_time": _z(datetime.now(UTC)),
        "end_time": None,
        "expiration_time": None,
        "task_id": qid,
        "query_progress": None,
        "labels": None,
    }
    with rt.lock:
        rt.async_queries[qid] = {"status": status, "result": result, "polls": 0, "pid": pid}
    return Response(202, {"query_status": status}, log=log)


def query_status(rt: Runtime, req: Request, pid: int | None, qid: str) -> Response:
    """GET polls (202 while "running", then 200 with results); DELETE cancels (204)."""
    with rt.lock:
        entry = rt.async_queries.get(qid)
        if entry is None or entry["pid"] != pid:
            raise ApiError(404, "Not found.")
        if req.method == "DELETE":
            del rt.async_queries[qid]
            return Response(204, raw=b"")
        entry["polls"] += 1
        if entry["polls"] <= ASYNC_POLLS_BEFORE_DONE:
            return Response(202, {"query_status": entry["status"]})
        done = dict(entry["status"], complete=True, results=entry["result"], end_time=_z(datetime.now(UTC)))
        return Response(200, {"query_status": done})
