"""`/_emulator/` routes (no auth) for emulators started as a subprocess.

GET truth?stream=&unique=  POST events {"project_id", "events"}  GET requests?since=N
DELETE requests  POST configure {"quirks","faults","limits"}  GET config  POST reset
GET keys  GET health
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from posthog_emulator import control
from posthog_emulator.web import ApiError, Request, Response, error_response

if TYPE_CHECKING:
    from posthog_emulator.app import App


def handle(app: App, req: Request) -> Response:
    try:
        return Response(200, _dispatch(app, req))
    except ApiError as err:
        return error_response(err)
    except (ValueError, TypeError, KeyError) as exc:
        return error_response(ApiError(400, f"{type(exc).__name__}: {exc}"))


def _dispatch(app: App, req: Request) -> Any:
    action = req.path.removeprefix("/_emulator/").strip("/")
    q, rt = req.query, app.rt
    if (req.method, action) == ("GET", "truth"):
        stream = q.get("stream", "")
        if q.get("unique", "").lower() == "true":
            return control.unique_ids(app, stream)
        return {str(pid): ids for pid, ids in control.truth(app, stream).items()}
    if (req.method, action) == ("POST", "events"):
        body = req.json()
        return {"ids": rt.dataset.append_events(int(body["project_id"]), list(body["events"]))}
    if (req.method, action) == ("GET", "requests"):
        since = int(q.get("since", "0"))
        return [e for e in list(rt.log) if e["n"] >= since]
    if (req.method, action) == ("DELETE", "requests"):
        rt.log.clear()
        return {"cleared": True}
    if (req.method, action) == ("POST", "configure"):
        body = req.json()
        return control.configure(app, body.get("quirks"), body.get("faults"), body.get("limits"))
    if (req.method, action) == ("GET", "config"):
        return control.current(app)
    if (req.method, action) == ("POST", "reset"):
        control.reset(app, data=req.json().get("data", True))
        return {"reset": True}
    if (req.method, action) == ("GET", "keys"):
        return {name: key.secret for name, key in rt.keys.items()}
    if (req.method, action) == ("GET", "health"):
        return {"ok": True, "projects": [p["id"] for p in rt.dataset.projects]}
    raise ApiError(404, "Endpoint not found.")
