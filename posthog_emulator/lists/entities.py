"""Offset-paginated lists: projects, annotations, cohorts, feature flags, insights (§6.1-§6.5)."""

from __future__ import annotations

import random
from typing import Any

from posthog_emulator.common.timefmt import parse_datetime
from posthog_emulator.common.web import ApiError, Request, Response
from posthog_emulator.lists.pagination import offset_page, public
from posthog_emulator.state.runtime import Runtime

ANNOTATION_SCOPES = {"dashboard_item", "dashboard", "project", "organization", "recording", "insight"}
INSIGHT_HEAVY_FIELDS = (
    "result",
    "hasMore",
    "columns",
    "types",
    "hogql",
    "resolved_date_range",
    "query_status",
    "is_cached",
    "timezone",
    "cache_target_age",
    "next_allowed_client_refresh",
)


def list_projects(rt: Runtime, req: Request, _pid: int | None) -> Response:
    """Projects of the (single) current organisation, by id."""
    return Response(200, offset_page(req, sorted(rt.dataset.projects, key=lambda p: p["id"]), 100))


def get_project(rt: Runtime, _req: Request, pid: int | None) -> Response:
    """`GET /api/projects/{id}/` (works for project-scoped keys)."""
    return Response(200, rt.dataset.project(pid or 0))


def visible_annotations(rt: Runtime, pid: int) -> list[dict[str, Any]]:
    """A project's live annotations, plus every project's org-scoped ones when the quirk is on."""
    own = [a for a in rt.dataset.entities[pid]["annotations"] if not a["deleted"]]
    if rt.quirks.org_annotations_everywhere:
        for other, ents in rt.dataset.entities.items():
            if other != pid:
                own += [a for a in ents["annotations"] if a["scope"] == "organization" and not a["deleted"]]
    return own


def list_annotations(rt: Runtime, req: Request, pid: int | None) -> Response:
    """Newest `date_marker` first, default page 1000, scope/date/search filters."""
    q = req.query
    items = visible_annotations(rt, pid or 0)
    scope = q.get("scope")
    if scope is not None:
        if scope not in ANNOTATION_SCOPES:
            raise ApiError(400, f'"{scope}" is not a valid choice.', code="invalid_choice", attr="scope")
        wanted = "dashboard_item" if scope == "insight" else scope
        items = [a for a in items if a["scope"] == wanted]
    if "date_from" in q:
        items = [a for a in items if a["_marker"] >= _when(q["date_from"], "date_from")]
    if "date_to" in q:
        items = [a for a in items if a["_marker"] <= _when(q["date_to"], "date_to")]
    if "search" in q:
        items = [a for a in items if q["search"].lower() in a["content"].lower()]
    if "is_emoji" in q:
        items = [a for a in items if a["is_emoji"] == (q["is_emoji"].lower() == "true")]
    items.sort(key=lambda a: a["_marker"], reverse=True)
    return Response(200, offset_page(req, items, 1000))


def _when(text: str, attr: str) -> int:
    try:
        return parse_datetime(text)
    except ValueError as exc:
        raise ApiError(400, "Enter a valid date/time.", code="invalid", attr=attr) from exc


def list_cohorts(rt: Runtime, req: Request, pid: int | None) -> Response:
    """Newest first; `basic=true` drops filters, query and groups."""
    q = req.query
    items = [c for c in rt.dataset.entities[pid or 0]["cohorts"] if not c["deleted"]]
    search = q.get("search")
    if search is not None:
        if len(search) > 200:
            raise ApiError(400, "Ensure this field has no more than 200 characters.", code="max_length", attr="search")
        items = [c for c in items if search.lower() in (c["name"] or "").lower()]
    if q.get("type") in ("static", "dynamic"):
        items = [c for c in items if c["is_static"] == (q["type"] == "static")]
    items.sort(key=lambda c: (c["_created"], c["id"]), reverse=True)
    if q.get("basic", "").lower() == "true":
        items = [{k: v for k, v in c.items() if k not in ("filters", "query", "groups")} for c in items]
    return Response(200, offset_page(req, items, 100))


def list_feature_flags(rt: Runtime, req: Request, pid: int | None) -> Response:
    """Archived flags are hidden unless `archived=true`, which lists only archived ones."""
    q = req.query
    items = [f for f in rt.dataset.entities[pid or 0]["feature_flags"] if not f["deleted"]]
    archived = q.get("archived", "").lower()
    if archived == "true":
        items = [f for f in items if f["archived"]]
    elif archived == "false" or rt.quirks.flags_archived_hidden:
        items = [f for f in items if not f["archived"]]
    if q.get("active", "").lower() in ("true", "false"):
        items = [f for f in items if f["active"] == (q["active"].lower() == "true")]
    if "search" in q:
        needle = q["search"].lower()
        items = [f for f in items if needle in f["key"].lower() or needle in f["name"].lower()]
    items.sort(key=lambda f: (f["created_at"], f["id"]), reverse=True)
    return Response(200, offset_page(req, items, 100))


def list_insights(rt: Runtime, req: Request, pid: int | None) -> Response:
    """Default order is the mostly-null `order` column: reshuffled per request under the quirk."""
    q = req.query
    items = [i for i in rt.dataset.entities[pid or 0]["insights"] if not i["deleted"]]
    order = q.get("order")
    if order:
        field = order.lstrip("-")
        items.sort(key=lambda i: _sort_key(i, field), reverse=order.startswith("-"))
    elif rt.quirks.insights_unstable_order:
        random.Random(rt.next_number()).shuffle(items)  # noqa: S311 - not security
    if q.get("basic", "").lower() == "true":
        items = [{k: v for k, v in i.items() if k not in INSIGHT_HEAVY_FIELDS} for i in items]
    if rt.quirks.insights_withhold_dashboards:
        items = [withhold_dashboards(i) for i in items]
    return Response(200, offset_page(req, items, 100))


def withhold_dashboards(insight: dict[str, Any]) -> dict[str, Any]:
    """The insight without its deprecated `dashboards` field (`dashboard_tiles` stays).

    PostHog withholds it from API keys when INSIGHT_DASHBOARDS_OPT_IN_ENFORCED is on.
    """
    return {k: v for k, v in insight.items() if k != "dashboards"}


def _sort_key(record: dict[str, Any], field: str) -> tuple[bool, Any, int]:
    value = record.get(field)
    return value is None, value if isinstance(value, int | float) else str(value), record["id"]


def get_by_id(stream: str, rt: Runtime, pid: int, object_id: str) -> Response:
    """Detail route for the entity streams; deleted objects are 404 like the real API."""
    for record in rt.dataset.entities[pid][stream]:
        if str(record["id"]) == object_id and not record["deleted"]:
            withhold = stream == "insights" and rt.quirks.insights_withhold_dashboards
            return Response(200, withhold_dashboards(public(record)) if withhold else public(record))
    raise ApiError(404, "Not found.")


def list_group_types(rt: Runtime, _req: Request, pid: int | None) -> Response:
    """`GET groups_types/`: a plain list in group_type_index order, no paging (ClickhouseGroupsTypesView)."""
    return Response(200, list(rt.dataset.entities[pid or 0].get("group_types", [])))
