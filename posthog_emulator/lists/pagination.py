"""DRF `LimitOffsetPagination` exactly: lenient limit parsing, sorted params in links, no max."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from posthog_emulator.common.web import Request


def positive_int(text: str | None, default: int, strict: bool) -> int:
    """DRF's `_positive_int`: bad or missing values silently fall back to the default."""
    if text is None:
        return default
    try:
        value = int(text)
    except ValueError:
        return default
    if value < 0 or (strict and value == 0):
        return default
    return value


def _link(req: Request, changes: dict[str, str | None]) -> str:
    """DRF replace/remove_query_param: parse, change, then urlencode the *sorted* params."""
    merged: dict[str, list[str]] = {}
    for key, value in req.params:
        merged.setdefault(key, []).append(value)
    for key, new in changes.items():
        if new is None:
            merged.pop(key, None)
        else:
            merged[key] = [new]
    query = urlencode(sorted(merged.items()), doseq=True)
    return f"http://{req.host}{req.path}" + (f"?{query}" if query else "")


def offset_page(req: Request, items: list[dict[str, Any]], default_limit: int) -> dict[str, Any]:
    """`{"count","next","previous","results"}` for one page of `items`."""
    limit = positive_int(req.query.get("limit"), default_limit, strict=True)
    offset = positive_int(req.query.get("offset"), 0, strict=False)
    count = len(items)
    next_url = None
    if offset + limit < count:
        next_url = _link(req, {"limit": str(limit), "offset": str(offset + limit)})
    previous = None
    if offset > 0:
        back = offset - limit
        previous = _link(req, {"limit": str(limit), "offset": None if back <= 0 else str(back)})
    return {
        "count": count,
        "next": next_url,
        "previous": previous,
        "results": [public(item) for item in items[offset : offset + limit]],
    }


def public(record: dict[str, Any]) -> dict[str, Any]:
    """Drop the emulator's internal `_` keys."""
    return {k: v for k, v in record.items() if not k.startswith("_")}
