"""`GET /persons/`: newest first, offset paging, no `count`, short pages with `next` (§6.6).

Ids are paged first and hydrated after; ids whose person cannot be loaded vanish from the page
while `next` is still decided on the id page being full (PostHog issue #24787).
"""

from __future__ import annotations

from typing import Any

from posthog_emulator.common.web import Request, Response, with_param
from posthog_emulator.lists.pagination import positive_int, public
from posthog_emulator.state.runtime import Runtime


def persons_listable(rt: Runtime, pid: int) -> list[dict[str, Any]]:
    """Persons a complete read can deliver (unloadable ones never come back under the quirk)."""
    people = rt.dataset.persons[pid]
    if rt.quirks.persons_short_pages:
        return [p for p in people if not p["_unloadable"]]
    return list(people)


def list_persons(rt: Runtime, req: Request, pid: int | None) -> Response:
    """One page: `next` iff the id page was full, unloadable rows dropped."""
    q = req.query
    people = _filtered(rt.dataset.persons[pid or 0], q)
    limit = positive_int(q.get("limit"), 100, strict=True)
    offset = positive_int(q.get("offset"), 0, strict=False)
    page = people[offset : offset + limit]
    next_url = None
    if len(page) >= limit:  # decided on the id page, before hydration drops rows
        next_url = req.url(with_param(with_param(req.params, "limit", str(limit)), "offset", str(offset + limit)))
    previous = None
    if offset > 0:
        previous = req.url(with_param(req.params, "offset", str(max(0, offset - limit))))
    if rt.quirks.persons_short_pages:
        page = [p for p in page if not p["_unloadable"]]
    body: dict[str, Any] = {"results": [public(p) for p in page], "next": next_url, "previous": previous}
    if q.get("include_total", "").lower() == "true":
        body["count"] = len(people)
    return Response(200, body)


def _filtered(people: list[dict[str, Any]], q: dict[str, str]) -> list[dict[str, Any]]:
    if "distinct_id" in q:
        people = [p for p in people if q["distinct_id"] in p["distinct_ids"]]
    if "email" in q:
        people = [p for p in people if p["properties"].get("email") == q["email"]]
    if "search" in q:
        needle = q["search"].lower()
        people = [p for p in people if needle in p["name"].lower() or any(needle in d for d in p["distinct_ids"])]
    return people
