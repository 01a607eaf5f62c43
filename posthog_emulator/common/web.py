"""Transport-free request/response types and the drf-exceptions-hog error envelope (§3).

Handlers work on these plain objects so they can be tested without sockets; `server.py`
converts them to and from HTTP.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qsl, urlencode

import orjson

ERROR_TYPES = {
    400: "validation_error",
    401: "authentication_error",
    403: "authentication_error",
    404: "invalid_request",
    405: "invalid_request",
    429: "throttled_error",
}


class ApiError(Exception):
    """An error PostHog would answer with its four-key JSON envelope."""

    def __init__(
        self,
        status: int,
        detail: str,
        *,
        code: str | None = None,
        attr: str | None = None,
        headers: dict[str, str] | None = None,
        type_: str | None = None,
        log: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail)
        self.status, self.detail, self.attr = status, detail, attr
        self.type = type_ or ERROR_TYPES.get(status, "server_error")
        self.code = code or _default_code(status)
        self.headers = headers or {}
        self.log = log or {}  # extra request-log fields (e.g. the query cost of a 504)

    def body(self) -> dict[str, Any]:
        """Serialised body bytes."""
        return {"type": self.type, "code": self.code, "detail": self.detail, "attr": self.attr}


def _default_code(status: int) -> str:
    codes = {
        400: "invalid_input",
        401: "authentication_failed",
        403: "permission_denied",
        404: "not_found",
        405: "method_not_allowed",
        429: "throttled",
    }
    return codes.get(status, "error")


def server_error() -> ApiError:
    """What any unhandled exception becomes in PostHog."""
    return ApiError(500, "A server error occurred.")


@dataclass
class Request:
    """One parsed API request; `params` keeps order and repeats, `query` the last value."""

    method: str
    path: str
    params: list[tuple[str, str]]
    headers: dict[str, str]
    body: bytes = b""
    host: str = "127.0.0.1"

    @classmethod
    def build(cls, method: str, target: str, headers: dict[str, str], body: bytes, host: str) -> Request:
        """Split the request target into path and ordered params; lower-case header names."""
        path, _, raw_query = target.partition("?")
        params = parse_qsl(raw_query, keep_blank_values=True)
        return cls(method, path, params, {k.lower(): v for k, v in headers.items()}, body, host)

    @property
    def query(self) -> dict[str, str]:
        """Params as a dict; a repeated name keeps its last value."""
        return dict(self.params)

    def url(self, params: list[tuple[str, str]] | None = None) -> str:
        """Absolute URL on the request's own host, as Django's build_absolute_uri makes it."""
        items = self.params if params is None else params
        suffix = f"?{urlencode(items)}" if items else ""
        return f"http://{self.host}{self.path}{suffix}"

    def json(self) -> Any:
        """The JSON body, or the DRF-style 400 parse error."""
        try:
            return orjson.loads(self.body or b"{}")
        except orjson.JSONDecodeError as exc:
            raise ApiError(400, f"JSON parse error - {exc}", code="parse_error") from exc


@dataclass
class Response:
    """A response before transport; `payload` is kept so faults can rewrite `next`."""

    status: int
    payload: Any = None
    headers: dict[str, str] = field(default_factory=dict)
    raw: bytes | None = None  # a non-JSON body (502 page, 204)
    log: dict[str, Any] = field(default_factory=dict)  # extra request-log fields, never sent

    def body(self) -> bytes:
        """Serialised body bytes."""
        if self.raw is not None:
            return self.raw
        return orjson.dumps(self.payload)


def error_response(err: ApiError) -> Response:
    """The envelope response of an ApiError."""
    return Response(err.status, err.body(), dict(err.headers), log=dict(err.log))


def with_param(params: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    """Replace `name` in place (or append it), keeping the other params' order."""
    out, done = [], False
    for key, val in params:
        if key == name:
            if not done:
                out.append((key, value))
                done = True
            continue
        out.append((key, val))
    if not done:
        out.append((name, value))
    return out
