"""Event and property definitions, listed as PostHog's taxonomy endpoints list them.

- event definitions: offset pages with count; `event_type` defaults to plain events; default order is
  last seen (by day, newest first) then name, which moves while events arrive; `ordering=name` is stable.
- property definitions: `type=event|person|group|session`, `group` needs `group_type_index` 0-4 (else 400).
  Event lists never show `$set`, `distinct_id` and the other always-excluded names. Person and group
  lists get PostHog's virtual properties appended to their last page, for every group index, with
  `count` raised by as many (property_definition.py, NotCountingLimitOffsetPaginator).
"""

from __future__ import annotations

from typing import Any

from posthog_emulator.common.web import ApiError, Request, Response
from posthog_emulator.data.gen.definitions import ALWAYS_EXCLUDED, virtual_properties
from posthog_emulator.lists.pagination import offset_page, positive_int
from posthog_emulator.state.runtime import Runtime

KINDS = ("event", "person", "group", "session")
GROUP_TYPES_LIMIT = 5
EXCLUDED_NAMES = {name for name, _ in ALWAYS_EXCLUDED}


def list_event_definitions(rt: Runtime, req: Request, pid: int | None) -> Response:
    """`ordering=name|-name|last_seen_at|-last_seen_at`, else last seen day DESC then name."""
    items = list(rt.dataset.entities[pid or 0].get("event_definitions", []))
    ordering = req.query.get("ordering", "")
    if ordering.lstrip("-") == "name":
        items.sort(key=lambda d: d["name"], reverse=ordering.startswith("-"))
    elif ordering.lstrip("-") == "last_seen_at":
        items.sort(key=lambda d: d["last_seen_at"] or "", reverse=ordering.startswith("-"))
    else:
        items.sort(key=lambda d: d["name"])
        items.sort(key=lambda d: (d["last_seen_at"] or "")[:10], reverse=True)
    return Response(200, offset_page(req, items, 100))


def listed_properties(rt: Runtime, pid: int, kind: str, group: int) -> list[dict[str, Any]]:
    """The stored definitions one (type, group index) list shows, by name."""
    rows = rt.dataset.entities[pid].get("property_definitions", [])
    items = [p for p in rows if p["_type"] == kind and p["_group"] == group]
    if kind == "event":
        items = [p for p in items if p["name"] not in EXCLUDED_NAMES]
    return sorted(items, key=lambda p: p["name"])


def list_property_definitions(rt: Runtime, req: Request, pid: int | None) -> Response:
    """One kind's definitions; person and group lists end with the virtual ones."""
    kind, group = _kind_and_group(req.query)
    page = offset_page(req, listed_properties(rt, pid or 0, kind, group), 100)
    if kind in ("person", "group"):
        extra = virtual_properties(kind)
        offset = positive_int(req.query.get("offset"), 0, strict=False)
        if offset + len(page["results"]) >= page["count"]:
            page["results"] += extra
        page["count"] += len(extra)
    return Response(200, page)


def _kind_and_group(q: dict[str, str]) -> tuple[str, int]:
    kind = q.get("type", "event")
    if kind not in KINDS:
        raise ApiError(400, f'"{kind}" is not a valid choice.', code="invalid_choice", attr="type")
    text = q.get("group_type_index")
    if kind != "group":
        if text is not None:
            raise ApiError(400, "`group_type_index` can only set for `group` type", code="invalid_input")
        return kind, -1
    if text is None:
        raise ApiError(400, "`group_type_index` must be set for `group` type", code="invalid_input")
    if not text.isdigit() or int(text) >= GROUP_TYPES_LIMIT:
        raise ApiError(400, "Invalid value for `group_type_index`", code="invalid_input")
    return kind, int(text)


def property_keys(rt: Runtime, pid: int) -> list[list[Any]]:
    """[type, group_type_index, id] of every record a complete read sees: the connector's key."""
    keys = []
    for kind, groups in (
        ("event", [-1]),
        ("person", [-1]),
        ("session", [-1]),
        ("group", list(range(GROUP_TYPES_LIMIT))),
    ):
        for group in groups:
            ids = [p["id"] for p in listed_properties(rt, pid, kind, group)]
            ids += [p["id"] for p in virtual_properties(kind)]
            keys += [[kind, group, one] for one in ids]
    return sorted(keys)
