"""Adapters that turn the emulator's list and detail functions into route handlers."""

from __future__ import annotations

from collections.abc import Callable

from posthog_emulator.common.web import ApiError, Request, Response
from posthog_emulator.lists import entities, events_render
from posthog_emulator.query import api
from posthog_emulator.state.runtime import Runtime

Handler = Callable[[Runtime, Request, "int | None", str | None], Response]


def plain(fn: Callable[[Runtime, Request, int | None], Response]) -> Handler:
    """A list handler, which takes no object id."""
    return lambda rt, req, pid, _obj: fn(rt, req, pid)


def detail(stream: str) -> Handler:
    """The detail route of an entity stream."""
    return lambda rt, _req, pid, obj: entities.get_by_id(stream, rt, pid or 0, obj or "")


def event_detail(rt: Runtime, req: Request, pid: int | None, obj: str | None) -> Response:
    """`GET /events/{id}/`; a malformed id gives the legacy 3-key 400 (no `attr`)."""
    text = (obj or "").replace("-", "")
    if len(text) != 32 or any(c not in "0123456789abcdefABCDEF" for c in text):
        return Response(400, {"detail": "Invalid UUID", "code": "invalid", "type": "validation_error"})
    store = rt.dataset.events[pid or 0]
    with store.lock:
        for i in range(len(store)):
            if store.uuid(i) == obj:
                return Response(200, events_render.legacy_row(rt, store, pid or 0, i, req.query))
    raise ApiError(404, "Not found.")


def query_status(rt: Runtime, req: Request, pid: int | None, obj: str | None) -> Response:
    """`GET|DELETE /query/{id}/`: an async query's status."""
    return api.query_status(rt, req, pid, obj or "")
