"""Exceptions that carry an Airbyte `failure_type`, shared by every layer, so the CLI reports any failure in one place.

`ApiError` also carries what PostHog's answer revealed (status, missing scope, project), parsed once in
`http/failures.py`: callers decide by these fields, never by matching message text.
"""

from enum import Enum
from typing import Literal

FailureType = Literal["config_error", "system_error", "transient_error"]


class ConnectorError(Exception):
    """A failure the user should read; `message` is safe to show (no secrets, no traceback)."""

    failure_type: FailureType = "system_error"

    def __init__(self, message: str, internal_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.internal_message = internal_message


class ConfigError(ConnectorError):
    """The user must change something: config, key, scopes, catalog or state."""

    failure_type: FailureType = "config_error"


class TransientError(ConnectorError):
    """PostHog or the network failed after every retry; running again later should work."""

    failure_type: FailureType = "transient_error"


class QueryLimitError(TransientError):
    """PostHog stopped a query at its execution-time (or memory) limit: the same query would fail again.

    A narrower range may not (posthog-api §10), so readers split their range; unhandled, it is transient.
    """


class UnreachableError(TransientError):
    """The host never sent an HTTP answer: most likely a wrong base_url; the message names the cause and the fix."""


class InternalError(ConnectorError):
    """A bug or an API response we do not understand."""


class Refusal(Enum):
    """Why PostHog refused a request, as far as its answer tells (posthog-api §2 and §3)."""

    BAD_KEY = "bad_key"  # 401
    MISSING_SCOPE = "missing_scope"  # 403 "API key missing required scope '...'"
    PROJECT_SCOPED_KEY = "project_scoped_key"  # 403 on a non-project endpoint for a project-scoped key
    PROJECT_DENIED = "project_denied"  # 403 for a project outside the key's list
    PROJECT_NOT_FOUND = "project_not_found"  # 404 on a project path
    ENDPOINT_MISSING = "endpoint_missing"  # 404 "Endpoint not found." or 405: an older instance
    QUOTA = "quota"  # 402: the organisation's query quota is spent
    UNKNOWN_FIELDS = "unknown_fields"  # 400 "Extra inputs are not permitted": an instance older than the body
    OTHER = "other"


USER_STATUSES = frozenset({401, 402, 403, 404})


class ApiError(ConnectorError):
    """PostHog answered with a status we must not retry."""

    def __init__(
        self,
        status: int,
        message: str,
        refusal: Refusal = Refusal.OTHER,
        *,
        scope: str | None = None,
        project_id: int | None = None,
    ) -> None:
        super().__init__(message)
        self.status, self.refusal = status, refusal
        # An authentication, quota or path refusal is the user's to fix; anything else is ours or PostHog's.
        self.failure_type: FailureType = "config_error" if status in USER_STATUSES else "system_error"
        self.scope = scope
        """The scope PostHog named as missing (MISSING_SCOPE only)."""
        self.project_id = project_id
        """The project of the refused path, if it was a project path."""
