"""Seeded fault injection for API routes: 5xx, resets, truncated bodies, slowness, bad `next`.

A fault is drawn from `Random(f"{seed}:{request key}:{attempt}")`, so the same request sequence
gets the same faults whatever the thread interleaving, and `max_consecutive` caps the faults one
request key (method, URL, body) can get in a row, so a retrying client always gets through.
Scripted faults (`Faults.queue`) hit the next matching requests first, in order.
"""

from __future__ import annotations

import hashlib
import random
import threading
from collections import deque
from urllib.parse import urlencode, urlsplit, urlunsplit

from posthog_emulator.common.web import ApiError, Request, Response
from posthog_emulator.config.settings import Faults
from posthog_emulator.query import cost

TRANSPORT_FAULTS = {"reset", "truncated"}
STATUS_FAULTS = {"500", "502", "503", "504"}
BUSY = "Queries are a little too busy right now. We're working to free up resources. Please try again later."
QUERY_TIMEOUT = cost.timeout_detail(10)


class FaultInjector:
    """Per-request-key attempt and consecutive-fault counters, plus the scripted queue."""

    def __init__(self) -> None:
        self.attempts: dict[str, int] = {}
        self.consecutive: dict[str, int] = {}
        self.pending: deque[str] = deque()
        self.lock = threading.Lock()

    def load(self, faults: Faults) -> None:
        """Reset counters and (re)load the scripted queue when fault settings change."""
        with self.lock:
            self.attempts.clear()
            self.consecutive.clear()
            self.pending = deque(faults.queue)

    def draw(self, faults: Faults, req: Request) -> str | None:
        """The fault kind for this request, or None."""
        if faults.path_contains and faults.path_contains not in req.path:
            return None
        key = request_key(req)
        with self.lock:
            if self.pending:
                return self.pending.popleft()
            attempt = self.attempts.get(key, 0)
            self.attempts[key] = attempt + 1
            kind = None
            if faults.rate > 0 and self.consecutive.get(key, 0) < faults.max_consecutive:
                rng = random.Random(f"{faults.seed}:{key}:{attempt}")  # noqa: S311 - seeded faults
                if rng.random() < faults.rate and faults.kinds:
                    kind = rng.choice(faults.kinds)
            self.consecutive[key] = self.consecutive.get(key, 0) + 1 if kind else 0
            return kind


def request_key(req: Request) -> str:
    """Method, path, params and body digest: what a retry repeats exactly."""
    digest = hashlib.sha1(req.body, usedforsecurity=False).hexdigest()[:12] if req.body else ""
    return f"{req.method} {req.path}?{urlencode(req.params)} {digest}"  # no host: same across ports


def status_fault(kind: str, req: Request) -> Response:
    """The response a failing proxy or backend gives; 502/504 outside /query/ are HTML pages."""
    if kind == "500":
        return _envelope(ApiError(500, "A server error occurred."))
    if kind == "503":
        return _envelope(ApiError(503, BUSY))
    if kind == "504" and "/query" in req.path:
        return _envelope(ApiError(504, QUERY_TIMEOUT))
    title = "502 Bad Gateway" if kind == "502" else "504 Gateway Time-out"
    page = f"<html><head><title>{title}</title></head><body><center><h1>{title}</h1></center></body></html>\n"
    return Response(int(kind), headers={"Content-Type": "text/html"}, raw=page.encode())


def _envelope(err: ApiError) -> Response:
    return Response(err.status, err.body())


def rewrite_next(kind: str, resp: Response, req: Request, foreign_host: str) -> bool:
    """Point `next` at the current URL or another host; False when there is no `next` to spoil."""
    payload = resp.payload
    if not isinstance(payload, dict) or not payload.get("next"):
        return False
    if kind == "next_repeat":
        payload["next"] = req.url()
    else:
        parts = urlsplit(payload["next"])
        port = f":{parts.port}" if parts.port else ""
        payload["next"] = urlunsplit((parts.scheme, f"{foreign_host}{port}", parts.path, parts.query, ""))
    return True
