"""One failing stream never sinks the sync: what stops it at once, and the one error that ends a sync with failures.

As the Airbyte CDK does (`AbstractSource.read`, airbyte-cdk 7.39.1: each failure kept by stream name, one
AirbyteTracedException listing them raised after the last stream), a stream that fails is left INCOMPLETE with
its own error trace (`stream_descriptor`) and the next stream is read. Only a config error stops at once: a bad
key, a missing scope or bad state would fail every later stream the same way.
"""

import traceback

from source_posthog.errors import ConnectorError, InternalError, TransientError


def as_connector_error(error: Exception) -> ConnectorError:
    """The error the user sees: a ConnectorError as it is, anything else an internal error with its traceback."""
    if isinstance(error, ConnectorError):
        return error
    return InternalError(f"Unexpected error: {type(error).__name__}: {error}", traceback.format_exc())


def stops_sync(error: ConnectorError) -> bool:
    """A config error (bad key, missing scope of a selected stream, bad state) ends the sync at once."""
    return error.failure_type == "config_error"


def failed_streams_error(failed: dict[str, ConnectorError], selected: int) -> ConnectorError:
    """The sync's last error: which streams failed and why, in one message; transient only if every failure was."""
    causes = "; ".join(f"{stream} ({error.failure_type}: {error.message})" for stream, error in failed.items())
    message = (
        f"{len(failed)} of {selected} streams failed and were left INCOMPLETE: {', '.join(failed)}. Every other "
        f"stream was read. Causes: {causes}"
    )
    if all(error.failure_type == "transient_error" for error in failed.values()):
        return TransientError(message)
    return ConnectorError(message)
