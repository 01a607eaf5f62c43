"""Exceptions that carry an Airbyte `failure_type`, so the CLI can report any failure in one place."""


class ConnectorError(Exception):
    """A failure the user should read; `message` is safe to show (no secrets, no traceback)."""

    failure_type = "system_error"

    def __init__(self, message: str, internal_message: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.internal_message = internal_message


class ConfigError(ConnectorError):
    """The user must change something: config, key, scopes, catalog or state."""

    failure_type = "config_error"


class TransientError(ConnectorError):
    """PostHog or the network failed after every retry; running again later should work."""

    failure_type = "transient_error"


class InternalError(ConnectorError):
    """A bug or an API response we do not understand."""

    failure_type = "system_error"


class ApiError(ConnectorError):
    """PostHog answered with a status we must not retry; the failure type depends on the status."""

    def __init__(self, status: int, message: str, failure_type: str) -> None:
        super().__init__(message)
        self.status = status
        self.failure_type = failure_type
