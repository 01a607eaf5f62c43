"""Legacy `GET /events/` with every §6.7 rule: clamp, exclusive bounds, probing, tie loss, offset.

Paging moves the exclusive bound to the last row's timestamp, so rows sharing it that did not
fit on the page are lost. With the tie-loss quirk off, `next` also carries `_cursor_uuid` so the
next page resumes exactly after the last row (an "ideal" API for comparison tests). Rows stored
twice (duplicate_rows quirk) are listed twice, as ClickHouse returns both copies.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime

import orjson

from posthog_emulator.common.timefmt import DAY_US, iso_utc, parse_datetime, to_micros
from posthog_emulator.common.web import ApiError, Request, Response, server_error, with_param
from posthog_emulator.data import duplicates
from posthog_emulator.data.eventstore import EventStore
from posthog_emulator.lists import events_filters, events_render
from posthog_emulator.state.runtime import Runtime

PROBE_WINDOWS_US = tuple(s * 1_000_000 for s in (60, 300, 900, 3600, 21_600, 86_400))
RowTest = Callable[[int], bool] | None
RowTests = tuple[RowTest, RowTest]  # (filters, stored twice)
OFFSET_WARNING = "Offset is deprecated and will be removed. Use after/before timestamps instead."


def list_events(rt: Runtime, req: Request, pid: int | None) -> Response:
    """One page of the legacy events list (see module docstring)."""
    q, quirks = req.query, rt.quirks
    limit = _int_or_500(q.get("limit", "100"))
    if quirks.events_limit_clamp is not None:
        limit = min(limit, quirks.events_limit_clamp)
    before = _bound(q["before"], "before") if "before" in q else to_micros_now() + 5_000_000
    after = _bound(q["after"], "after") if "after" in q else None
    if after is None and quirks.events_after_default_24h:
        after = before - DAY_US
    max_days = quirks.events_max_span_days
    if after is not None and max_days is not None and before - after > max_days * DAY_US:
        raise server_error()  # a plain exception in PostHog, hence 500
    offset = _int_or_500(q.get("offset", "0"))
    if quirks.events_offset_cap is not None and offset > quirks.events_offset_cap:
        raise ApiError(
            400,
            f"Offset is deprecated. Max supported offset value is {quirks.events_offset_cap}",
            headers={"X-PostHog-Warn": OFFSET_WARNING},
        )
    headers = {}
    if offset > 0:
        headers["X-PostHog-Warn"] = OFFSET_WARNING
        time.sleep(quirks.events_offset_penalty_s)
    desc = _descending(q.get("orderBy"))
    store = rt.dataset.events[pid or 0]
    keep = _filter(rt, store, q, pid or 0)  # a bad filter is a 400 before any row is read
    twice = duplicates.row_test(store, quirks.duplicate_rows, rt.settings.seed)
    with store.lock:
        rows = _select(rt, store, q, (keep, twice), bounds=(after, before), desc=desc, offset=offset, limit=limit)
        more = len(rows) > limit
        rows = rows[:limit]
        body = {
            "next": _next_url(rt, req, store, rows[-1], desc) if more else None,
            "results": [events_render.legacy_row(rt, store, pid or 0, i, q) for i in rows],
        }
    return Response(200, body, headers)


def to_micros_now() -> int:
    """Wall-clock now: the default `before` is now + 5 s, as in PostHog."""
    return to_micros(datetime.now(UTC))


def _int_or_500(text: str) -> int:
    try:
        return int(text)
    except ValueError as exc:
        raise server_error() from exc  # PostHog calls int() unguarded


def _bound(text: str, attr: str) -> int:
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise ApiError(400, f"Invalid datetime: {text}", attr=attr) from exc


def _descending(order_by: str | None) -> bool:
    """Exactly `["-timestamp"]` (the default) is newest first; anything else is oldest first."""
    if order_by is None:
        return True
    try:
        return bool(orjson.loads(order_by) == ["-timestamp"])
    except orjson.JSONDecodeError:
        return False


def _select(
    rt: Runtime,
    store: EventStore,
    q: dict[str, str],
    tests: RowTests,
    *,
    bounds: tuple[int | None, int],
    desc: bool,
    offset: int,
    limit: int,
) -> list[int]:
    """Row indexes of the page (+1 row to know whether more exist)."""
    after, before = bounds
    start, stop = _index_range(rt, store, q, after, before)
    if desc and rt.quirks.events_window_probing:
        start = _probe(store, tests, (start, stop), (after, before), limit)
    indexes = range(stop - 1, start - 1, -1) if desc else range(start, stop)
    out: list[int] = []
    skipped = 0
    for i in _matching(indexes, tests):
        if skipped < offset:
            skipped += 1
            continue
        out.append(i)
        if len(out) > limit:
            break
    return out


def _index_range(rt: Runtime, store: EventStore, q: dict[str, str], after: int | None, before: int) -> tuple[int, int]:
    exclusive = rt.quirks.events_exclusive_after or "_cursor_uuid" in q
    start = 0 if after is None else (store.span(after + 1 if exclusive else after, None)[0])
    stop = store.span(None, before - 1)[1]
    cursor = q.get("_cursor_uuid")
    if cursor and after is not None and "_cursor_desc" not in q:
        start = _after_row(store, after, cursor)
    if cursor and "_cursor_desc" in q:
        stop = _after_row(store, before, cursor) - 1
    return start, max(start, stop)


def _after_row(store: EventStore, ts: int, uuid: str) -> int:
    """Index just past the row (ts, uuid); the tie-safe cursor of the ideal mode."""
    lo, hi = store.span(ts, ts)
    for i in range(lo, hi):
        if store.uuid(i) == uuid:
            return i + 1
    return lo


def _filter(rt: Runtime, store: EventStore, q: dict[str, str], pid: int) -> Callable[[int], bool] | None:
    """event/distinct_id/properties filters; HogQL in them reads datetimes in the project timezone."""
    project = rt.dataset.project(pid) or {}
    tz = str(project.get("timezone") or "UTC") if rt.quirks.query_project_timezone else "UTC"
    return events_filters.row_filter(store, q, tz)


def _matching(indexes: range, tests: RowTests) -> Iterator[int]:
    """Rows passing the filters; a row stored twice comes twice."""
    keep, twice = tests
    rows = iter(indexes) if keep is None else (i for i in indexes if keep(i))
    return rows if twice is None else duplicates.expand(rows, twice)


def _probe(
    store: EventStore,
    tests: RowTests,
    rows: tuple[int, int],
    bounds: tuple[int | None, int],
    limit: int,
) -> int:
    """PR #42990: first window ending at `before` holding >= limit // 2 rows wins (§6.7)."""
    (start, stop), (after, before) = rows, bounds
    for window in PROBE_WINDOWS_US:
        if after is not None and before - after <= window:
            break
        lo = max(start, store.span(before - window, None)[0])
        for found, _ in enumerate(_matching(range(stop - 1, lo - 1, -1), tests), start=1):
            if found >= limit // 2:
                return lo
    return start


def _next_url(rt: Runtime, req: Request, store: EventStore, last: int, desc: bool) -> str:
    """The request's own params with before/after moved to the last row's timestamp."""
    params = with_param(req.params, "before" if desc else "after", iso_utc(store.ts[last]))
    if not rt.quirks.events_tie_loss:
        params = with_param(params, "_cursor_uuid", store.uuid(last))
        if desc:
            params = with_param(params, "_cursor_desc", "1")
    return req.url(params)
