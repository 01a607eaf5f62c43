"""Personal API keys with scopes and project allow-lists, and the 401/403 messages of §2."""

from __future__ import annotations

import random
from dataclasses import dataclass

from posthog_emulator.common.web import ApiError, Request
from posthog_emulator.data import ids

ORIGINAL_SCOPES = (  # what a key made for the existing connector's seven streams holds
    "project:read",
    "annotation:read",
    "cohort:read",
    "feature_flag:read",
    "insight:read",
    "person:read",
    "query:read",
)
READ_SCOPES = (
    *ORIGINAL_SCOPES,
    "organization:read",
    "action:read",
    "dashboard:read",
    "experiment:read",
    "survey:read",
    "event_definition:read",
    "property_definition:read",
    "early_access_feature:read",
    "session_recording:read",
    "group:read",
)
INVALID_KEY = "Personal API key found in request Authorization header is invalid."
NO_CREDENTIALS = "Authentication credentials were not provided."
SCOPED_ONLY_PROJECT_ENDPOINTS = "API keys with scoped projects are only supported on project-based endpoints."


@dataclass(frozen=True)
class ApiKey:
    """A personal key; scopes None = a very old key allowed everything, projects None = all."""

    name: str
    secret: str
    scopes: tuple[str, ...] | None
    projects: tuple[int, ...] | None = None

    def allows(self, scope: str) -> bool:
        """`*` and legacy scope-less keys allow all; `x:write` implies `x:read`."""
        if self.scopes is None or "*" in self.scopes:
            return True
        obj = scope.split(":", maxsplit=1)[0]
        return scope in self.scopes or f"{obj}:write" in self.scopes


def make_keys(seed: int, project_ids: list[int]) -> dict[str, ApiKey]:
    """The keys tests can use, by name; deterministic from the seed."""
    rng = random.Random(f"keys-{seed}")  # noqa: S311 - emulator keys, deterministic on purpose
    specs: list[tuple[str, tuple[str, ...] | None, tuple[int, ...] | None]] = [
        ("all", ("*",), None),
        ("read_only", READ_SCOPES, None),
        ("write_scopes", tuple(s.replace(":read", ":write") for s in READ_SCOPES), None),
        ("no_person_read", tuple(s for s in READ_SCOPES if s != "person:read"), None),
        ("no_query_read", tuple(s for s in READ_SCOPES if s != "query:read"), None),
        ("original_scopes", ORIGINAL_SCOPES, None),
        ("project_scoped", ("*",), (project_ids[0],)),
        ("legacy_unscoped", None, None),
    ]
    return {name: ApiKey(name, ids.token(rng, "phx_"), scopes, projects) for name, scopes, projects in specs}


class Authenticator:
    """Maps a Bearer header to a key; `phc_` project tokens and unknown keys are rejected."""

    def __init__(self, keys: dict[str, ApiKey]) -> None:
        self.by_secret = {k.secret: k for k in keys.values()}

    def authenticate(self, req: Request) -> ApiKey:
        """The key behind `Authorization: Bearer ...`, else the right 401."""
        header = req.headers.get("authorization", "")
        scheme, _, secret = header.partition(" ")
        if scheme.lower() != "bearer" or not secret.strip():
            raise ApiError(401, NO_CREDENTIALS, code="not_authenticated")
        key = self.by_secret.get(secret.strip())
        if key is None:
            raise ApiError(401, INVALID_KEY, code="authentication_failed")
        return key


def check_access(key: ApiKey, scope: str, project_id: int | None) -> None:
    """403 when the key lacks the scope or the project (or is project-scoped off-project)."""
    if key.projects is not None:
        if project_id is None:
            raise ApiError(403, SCOPED_ONLY_PROJECT_ENDPOINTS)
        if project_id not in key.projects:
            raise ApiError(403, f"API key does not have access to the requested project: ID {project_id}.")
    if not key.allows(scope):
        raise ApiError(403, f"API key missing required scope '{scope}'")
