"""`GET /session_recordings/`: recordings added up from the blocks inside the asked dates (§ RecordingsQuery).

    {"results": [...], "has_next": true, "version": 4}

`date_from` defaults to `-3d`; both bounds filter blocks by their first timestamp (inclusive) before the
blocks are added up, so a recording crossing a bound comes back cut. Expired (past retention) and deleted
recordings are never listed. `limit` defaults to 50 and one more row tells `has_next`; there is no `next`.

A ClickHouse timeout of the list query is a DRF `Throttled` (429, no Retry-After) with the detail
TIMEOUT_DETAIL (posthog/session_recordings/session_recording_api.py @ a8b2677e); the emulator times out
every request whose dates span more than `Faults.recordings_timeout_hours`. An old instance's strict
RecordingsQuery model refuses `order_direction` (Quirks.recordings_reject_order_direction).
"""

from __future__ import annotations

import json
import re
from typing import Any

from posthog_emulator.common.timefmt import DAY_US, MINUTE_US, drf, parse_datetime
from posthog_emulator.common.web import ApiError, Request, Response
from posthog_emulator.data.gen.recordings import BLOCK_FIELDS, RETENTION_DAYS
from posthog_emulator.lists.pagination import positive_int
from posthog_emulator.state.runtime import Runtime

ORDERS = {"start_time", "duration", "recording_duration", "active_seconds", "click_count", "console_error_count"}
RELATIVE = re.compile(r"^-(\d+)([hdw])$")
HOUR_US = 3_600_000_000
UNITS_US = {"h": HOUR_US, "d": DAY_US, "w": 7 * DAY_US}
TIMEOUT_DETAIL = "Query timeout exceeded. Try again later."


def list_session_recordings(rt: Runtime, req: Request, pid: int | None) -> Response:
    """One page of the recordings listed between the dates, in the asked order."""
    q, now = req.query, rt.dataset.end_us
    low = _when(q.get("date_from", "-3d"), now, "date_from")
    high = _when(q["date_to"], now, "date_to") if q.get("date_to") else None
    _refuse(rt, req, (high if high is not None else now) - low)
    order, descending = q.get("order", "start_time"), q.get("order_direction", "DESC").upper() == "DESC"
    if order not in ORDERS:
        raise ApiError(400, f"Invalid order: {order}", code="invalid_input", attr="order")
    rows = [
        row for r in rt.dataset.entities[pid or 0].get("session_recordings", []) if (row := _row(r, low, high, now))
    ]
    field = "recording_duration" if order == "duration" else order
    rows.sort(key=lambda row: (row[field], row["id"]), reverse=descending)
    limit = positive_int(q.get("limit"), 50, strict=True)
    offset = positive_int(q.get("offset"), 0, strict=False)
    page = rows[offset : offset + limit]
    return Response(200, {"results": page, "has_next": len(rows) > offset + limit, "version": 4})


def _refuse(rt: Runtime, req: Request, span_us: int) -> None:
    """The old model's 400 for `order_direction`; the 429 of a query that times out on a wide span."""
    if rt.quirks.recordings_reject_order_direction and any(k == "order_direction" for k, _ in req.params):
        raise order_direction_refused(req.query["order_direction"])
    hours = rt.faults.recordings_timeout_hours
    if hours is not None and span_us > hours * HOUR_US:
        raise ApiError(429, TIMEOUT_DETAIL, code="throttled")


def order_direction_refused(value: str) -> ApiError:
    """What an instance whose RecordingsQuery has no `order_direction` (and forbids extra fields) answers.

    `filter_from_params_to_query` turns pydantic's error into `ValidationError(json.dumps(errors()))`
    (session_recording_api.py @ a8b2677e): 400, DRF's default code "invalid", the error list as JSON
    text. Which old versions had such a schema, and the pydantic docs URL's version, are guesses.
    """
    error = {
        "type": "extra_forbidden",
        "loc": ["order_direction"],
        "msg": "Extra inputs are not permitted",
        "input": value,
        "url": "https://errors.pydantic.dev/2.7/v/extra_forbidden",
    }
    return ApiError(400, json.dumps([error]), code="invalid")


def _when(text: str, now: int, attr: str) -> int:
    relative = RELATIVE.match(text.strip())
    if relative:
        return now - int(relative.group(1)) * UNITS_US[relative.group(2)]
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise ApiError(400, f"Invalid date: {text}", code="invalid_input", attr=attr) from exc


def _row(recording: dict[str, Any], low: int, high: int | None, now: int) -> dict[str, Any] | None:
    """The recording as listed from its blocks in [low, high], or None (no block there, expired, deleted)."""
    blocks = [b for b in recording["_blocks"] if b[0] >= low and (high is None or b[0] <= high)]
    if not blocks or recording["deleted"]:
        return None
    start, end = blocks[0][0], max(b[1] for b in blocks)
    expiry = start - start % DAY_US + RETENTION_DAYS * DAY_US
    if expiry < now:
        return None
    sums = dict(zip(BLOCK_FIELDS, (sum(b[k + 2] for b in blocks) for k in range(len(BLOCK_FIELDS))), strict=True))
    duration = (end - start) // 1_000_000
    active = sums.pop("active_milliseconds") / 1000
    return {
        "id": recording["session_id"],
        "distinct_id": recording["distinct_id"],
        "viewed": False,
        "viewers": [],
        "recording_duration": duration,
        "active_seconds": active,
        "inactive_seconds": duration - active,
        "start_time": drf(start),
        "end_time": drf(end),
        **sums,
        "start_url": recording["start_url"],
        "person": recording["person"],
        "storage": "object_storage",
        "retention_period_days": RETENTION_DAYS,
        "expiry_time": drf(expiry),
        "recording_ttl": (expiry - now) // DAY_US,
        "snapshot_source": "web",
        "ongoing": end >= now - 5 * MINUTE_US,
        "activity_score": round(
            100 * (active + sums["click_count"]) / max(1, duration + sums["mouse_activity_count"]), 2
        ),
    }


def recording_ids(rt: Runtime, pid: int) -> list[str]:
    """Every recording a complete read from any start date sees: listed whole over all time."""
    now = rt.dataset.end_us
    return sorted(
        r["session_id"] for r in rt.dataset.entities[pid].get("session_recordings", []) if _row(r, 0, None, now)
    )
