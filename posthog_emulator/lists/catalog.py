"""Actions, dashboards, experiments, surveys and early-access features, listed as PostHog lists them.

- actions: one unpaginated answer `{"results": [...]}` (ActionViewSet.list), deleted ones hidden,
  ordered by last calculation, newest first, then name.
- dashboards: offset pages of DashboardBasicSerializer (no tiles), deleted hidden, ordered `-pinned, name`
  only (posthog/api/dashboards/dashboard.py @ 4f7b4308): not unique, so dashboards sharing both come in
  any order per request (Quirks.dashboards_unstable_ties). No `ordering` parameter: PostHog's REST_FRAMEWORK
  names no filter backends and filter_queryset only reads search, tags and folder; `ordering` is ignored.
- experiments: deleted hidden; archived ones only with `archived=true`, which lists only those
  (ExperimentService.filter_experiments_queryset); `order` must be on its allowlist, else 400.
- surveys and early-access features: offset pages of everything, archived included (no soft delete).
"""

from __future__ import annotations

import random
from typing import Any

from posthog_emulator.common.web import ApiError, Request, Response
from posthog_emulator.lists.pagination import offset_page, public
from posthog_emulator.state.runtime import Runtime

EXPERIMENT_ORDERS = {"name", "created_at", "updated_at", "start_date", "end_date"}


def visible(rt: Runtime, pid: int, stream: str) -> list[dict[str, Any]]:
    """What a complete read of the stream sees in one project (experiments: both passes)."""
    return [r for r in rt.dataset.entities[pid].get(stream, []) if not r.get("deleted")]


def list_actions(rt: Runtime, _req: Request, pid: int | None) -> Response:
    """Every live action in one answer: no count, no next, whatever `limit` says."""
    items = sorted(visible(rt, pid or 0, "actions"), key=lambda a: (-a["_calculated"], a["name"]))
    return Response(200, {"results": [public(a) for a in items]})


def list_dashboards(rt: Runtime, req: Request, pid: int | None) -> Response:
    """Pinned first, then by name; ties in PostgreSQL's arbitrary order (reshuffled under the quirk)."""
    items = sorted(visible(rt, pid or 0, "dashboards"), key=lambda d: d["id"])
    if rt.quirks.dashboards_unstable_ties:
        random.Random(rt.next_number()).shuffle(items)  # noqa: S311 - not security
    items.sort(key=lambda d: (not d["pinned"], d["name"]))
    return Response(200, offset_page(req, items, 100))


def list_experiments(rt: Runtime, req: Request, pid: int | None) -> Response:
    """Not archived unless `archived` says otherwise; newest first unless `order` names an allowed field."""
    q = req.query
    wanted = q.get("archived", "false").lower() == "true"
    items = [e for e in visible(rt, pid or 0, "experiments") if e["archived"] == wanted]
    order = q.get("order", "-created_at")
    if order.lstrip("-") not in EXPERIMENT_ORDERS:
        raise ApiError(400, f"Invalid order field: '{order}'", code="invalid_input")
    field = "_created" if order.lstrip("-") == "created_at" else order.lstrip("-")
    items.sort(key=lambda e: (e.get(field) is None, str(e.get(field)), e["id"]), reverse=order.startswith("-"))
    return Response(200, offset_page(req, items, 100))


def list_surveys(rt: Runtime, req: Request, pid: int | None) -> Response:
    """Every survey, archived ones too; newest first."""
    items = sorted(visible(rt, pid or 0, "surveys"), key=lambda s: s["_created"], reverse=True)
    return Response(200, offset_page(req, items, 100))


def list_early_access_features(rt: Runtime, req: Request, pid: int | None) -> Response:
    """Every feature, the archived stage included."""
    items = sorted(visible(rt, pid or 0, "early_access_features"), key=lambda f: f["_created"])
    return Response(200, offset_page(req, items, 100))
