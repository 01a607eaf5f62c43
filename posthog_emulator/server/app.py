"""The request pipeline, in PostHog's order: route, (fault), authenticate, permissions, throttle, view.

Faults stand for the proxy or backend failing, so they are drawn before the app sees the
request (a faulted request consumes no rate-limit quota), except `next` rewrites and transport
faults, which spoil a response the app did produce.
"""

from __future__ import annotations

import sys
import time
import traceback
from dataclasses import dataclass, field
from typing import Any

from posthog_emulator.common.web import ApiError, Request, Response, error_response
from posthog_emulator.server import admin, faults, routes
from posthog_emulator.server.faults import FaultInjector
from posthog_emulator.server.ratelimit import RateLimiter
from posthog_emulator.state import auth
from posthog_emulator.state.runtime import Runtime


@dataclass
class Outcome:
    """A response plus what the request log and the transport need to know."""

    response: Response
    fault: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)


class App:
    """Transport-free: `handle(Request) -> Outcome`; server.py does the sockets."""

    def __init__(self, rt: Runtime) -> None:
        self.rt = rt
        self.authenticator = auth.Authenticator(rt.keys)
        self.limiter = RateLimiter()
        self.injector = FaultInjector()
        self.injector.load(rt.faults)

    def handle(self, req: Request) -> Outcome:
        """Admin routes bypass auth, faults, throttles and the request log."""
        if req.path.startswith("/_emulator/"):
            return Outcome(admin.handle(self, req), meta={"admin": True})
        outcome = Outcome(Response(500))
        try:
            outcome = self._api(req)
        except ApiError as err:
            outcome.response = error_response(err)
        except Exception:  # any unhandled error is PostHog's generic 500
            traceback.print_exc(file=sys.stderr)
            outcome.response = error_response(ApiError(500, "A server error occurred."))
        return outcome

    def _api(self, req: Request) -> Outcome:
        found = routes.match(req.path)
        if found is None or not routes.available(found[0], self.rt.quirks):
            raise ApiError(404, "Endpoint not found.")
        route, pid, obj = found
        outcome = Outcome(Response(500), meta={"project_id": pid})
        kind = self.injector.draw(self.rt.faults, req)
        outcome.fault = kind
        if kind in faults.STATUS_FAULTS:
            outcome.response = faults.status_fault(kind or "", req)
            return outcome
        if kind == "slow":
            time.sleep(self.rt.faults.slow_s)
        try:
            outcome.response = self._authorized(req, route, pid, obj, outcome.meta)
        except ApiError as err:
            outcome.response = error_response(err)
        if kind in ("next_repeat", "next_foreign") and not faults.rewrite_next(
            kind or "", outcome.response, req, self.rt.faults.foreign_host
        ):
            outcome.fault = None
        return outcome

    def _authorized(
        self, req: Request, route: routes.Route, pid: int | None, obj: str | None, meta: dict[str, Any]
    ) -> Response:
        key = self.authenticator.authenticate(req)
        meta["key"] = key.name
        if req.method not in route.methods:
            raise ApiError(405, f'Method "{req.method}" not allowed.', code="method_not_allowed")
        if self.rt.quirks.enforce_scopes:
            auth.check_access(key, route.scope, pid)
        if pid is not None and self.rt.dataset.project(pid) is None:
            raise ApiError(404, "Not found.")
        limits = self.rt.limits
        throttle = "legacy_hogql" if route.throttle == "query" and limits.legacy_query else route.throttle
        ident = f"project:{pid}" if limits.key_by == "project" and pid is not None else f"key:{key.name}"
        self.limiter.check(limits, throttle, ident)
        return route.handler(self.rt, req, pid, obj)
