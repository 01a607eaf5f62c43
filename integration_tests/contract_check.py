"""Hold one logged request to the PostHog facts: route, query parameters, and for `/query/` the body and its HogQL.

An entry has the shape of the emulator's request log entry (`Emulator.requests`): `method`, `path`, `query`
(params, the last value of a repeated name), `body` (parsed JSON; the log itself keeps None over 16 KiB, the
guard passes the whole body) and `headers.user_agent`. Only the connector's own requests are held to the
table: tests that call the API themselves send another User-Agent (see `is_connector_request`).
"""

import re
from typing import Any

from integration_tests.hogql_contract import hogql_violations
from integration_tests.posthog_contract import (
    HOGQL_MODIFIERS,
    HOGQL_QUERY,
    QUERY_REQUEST,
    REFRESH_TYPES,
    ROUTES,
    Route,
)

CONNECTOR_AGENT = "source-posthog/"  # source_posthog/http/client.py sets `source-posthog/<version>`
API_PREFIX = "/api/"
CUSTOM_QUERY_NAME = "source-posthog custom "  # the request names of a custom query stream (streams/custom/)


def is_connector_request(entry: dict[str, Any]) -> bool:
    """Whether the connector sent it (its User-Agent), not a test poking the API directly."""
    agent = (entry.get("headers") or {}).get("user_agent") or ""
    return str(agent).startswith(CONNECTOR_AGENT)


def _pattern(template: str) -> re.Pattern[str]:
    """`projects/{id}/query/` -> a regex on the path after /api/; PostHog's router makes the final slash optional."""
    body = re.escape(template.rstrip("/")).replace(re.escape("{id}"), r"-?\d+")
    return re.compile(rf"{body}/?")


PATTERNS = [(route, _pattern(route.template)) for route in ROUTES]


def match_route(method: str, path: str) -> Route | None:
    """The route a method and path reach, or None when PostHog has no such route."""
    if not path.startswith(API_PREFIX):
        return None
    rest = path[len(API_PREFIX) :]
    for route, pattern in PATTERNS:
        if route.method == method and pattern.fullmatch(rest):
            return route
    return None


def violations(entry: dict[str, Any]) -> list[str]:
    """Every way one request leaves PostHog's facts; empty when PostHog accepts it as meant."""
    method, path = entry["method"], entry["path"]
    route = match_route(method, path)
    if route is None:
        return [f"{method} {path}: no such PostHog route"]
    found = [f"{method} {path}: {problem}" for problem in param_violations(route, entry.get("query") or {})]
    if route.template == "projects/{id}/query/":
        found += [f"{method} {path}: {problem}" for problem in body_violations(entry.get("body"))]
    return found


def param_violations(route: Route, query: dict[str, str]) -> list[str]:
    """Query parameters the route's view does not read, and values it refuses."""
    found = []
    for name, value in sorted(query.items()):
        if name not in route.params and name not in route.ignored:
            found.append(f"query parameter `{name}` is not read by this view ({route.source})")
        elif name in route.values and value not in route.values[name]:
            found.append(f"`{name}={value}` is not one of {sorted(route.values[name])} ({route.source})")
    return found


def body_violations(body: Any) -> list[str]:
    """Fields of a `/query/` body outside QueryRequest / HogQLQuery / HogQLQueryModifiers, and its HogQL."""
    if not isinstance(body, dict):
        return ["body is not a JSON object (absent, not JSON, or dropped from the log for its size)"]
    found = [f"QueryRequest has no field `{key}`" for key in sorted(set(body) - QUERY_REQUEST)]
    if "refresh" in body and body["refresh"] not in REFRESH_TYPES:
        found.append(f"refresh `{body['refresh']}` is not a RefreshType")
    query = body.get("query")
    if not isinstance(query, dict) or query.get("kind") != "HogQLQuery":
        return [*found, "query is not a HogQLQuery (the only kind this contract models)"]
    found += [f"HogQLQuery has no field `{key}`" for key in sorted(set(query) - HOGQL_QUERY)]
    modifiers = query.get("modifiers") or {}
    if not isinstance(modifiers, dict):
        return [*found, "modifiers is not an object"]
    found += [f"HogQLQueryModifiers has no field `{key}`" for key in sorted(set(modifiers) - HOGQL_MODIFIERS)]
    sql = query.get("query")
    custom = str(body.get("name") or "").startswith(CUSTOM_QUERY_NAME)
    return found + (hogql_violations(sql, custom) if isinstance(sql, str) else ["HogQLQuery.query is not a string"])
