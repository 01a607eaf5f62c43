"""`/_emulator/` routes (no auth) for emulators started as a subprocess.

GET truth?stream=&unique=  POST events {"project_id", "events"}  GET requests?since=N
DELETE requests  POST configure {"quirks","faults","limits"}  GET config  POST reset
GET keys  GET health  GET duplicates (ids stored twice, per project)
POST touch_groups {"project_id", "n_updated", "n_new"} -> {"touched": [[index, key], ...]}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from posthog_emulator.common.web import ApiError, Request, Response, error_response
from posthog_emulator.server import control
from posthog_emulator.server.control import Pipeline
from posthog_emulator.state import group_touch


def handle(app: Pipeline, req: Request) -> Response:
    """Serve one admin request; bad input is a 400 envelope, never a crash."""
    try:
        return Response(200, _dispatch(app, req))
    except ApiError as err:
        return error_response(err)
    except (ValueError, TypeError, KeyError) as exc:
        return error_response(ApiError(400, f"{type(exc).__name__}: {exc}"))


def _dispatch(app: Pipeline, req: Request) -> Any:
    action = req.path.removeprefix("/_emulator/").strip("/")
    handler = ACTIONS.get((req.method, action))
    if handler is None:
        raise ApiError(404, "Endpoint not found.")
    return handler(app, req)


def _truth(app: Pipeline, req: Request) -> Any:
    stream = req.query.get("stream", "")
    if req.query.get("unique", "").lower() == "true":
        return control.unique_ids(app, stream)
    return {str(pid): ids for pid, ids in control.truth(app, stream).items()}


def _append(app: Pipeline, req: Request) -> Any:
    body = req.json()
    return {"ids": app.rt.dataset.append_events(int(body["project_id"]), list(body["events"]))}


def _touch_groups(app: Pipeline, req: Request) -> Any:
    body = req.json()
    pid = int(body.get("project_id") or app.rt.dataset.projects[0]["id"])
    return {"touched": group_touch.touch_groups(app.rt, pid, int(body.get("n_updated", 0)), int(body.get("n_new", 0)))}


def _requests(app: Pipeline, req: Request) -> Any:
    since = int(req.query.get("since", "0"))
    return [e for e in list(app.rt.log) if e["n"] >= since]


def _clear_requests(app: Pipeline, _req: Request) -> Any:
    app.rt.log.clear()
    return {"cleared": True}


def _configure(app: Pipeline, req: Request) -> Any:
    body = req.json()
    return control.configure(app, body.get("quirks"), body.get("faults"), body.get("limits"))


def _reset(app: Pipeline, req: Request) -> Any:
    control.reset(app, data=bool(req.json().get("data", True)))
    return {"reset": True}


def _keys(app: Pipeline) -> dict[str, str]:
    return {name: key.secret for name, key in app.rt.keys.items()}


def _health(app: Pipeline) -> dict[str, Any]:
    return {"ok": True, "projects": [p["id"] for p in app.rt.dataset.projects]}


ACTIONS: dict[tuple[str, str], Callable[[Pipeline, Request], Any]] = {
    ("GET", "truth"): _truth,
    ("POST", "events"): _append,
    ("POST", "touch_groups"): _touch_groups,
    ("GET", "requests"): _requests,
    ("DELETE", "requests"): _clear_requests,
    ("POST", "configure"): _configure,
    ("GET", "config"): lambda app, _req: control.current(app),
    ("POST", "reset"): _reset,
    ("GET", "keys"): lambda app, _req: _keys(app),
    ("GET", "health"): lambda app, _req: _health(app),
    ("GET", "duplicates"): lambda app, _req: {str(pid): ids for pid, ids in control.duplicated_ids(app).items()},
}
