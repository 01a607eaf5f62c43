"""Parse every datetime form PostHog returns and render the one canonical form this connector emits.

PostHog writes `...Z`, `...+00:00` and, in `/query/` results, the project's own offset (`-04:00`),
with or without a fraction. We emit `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`: the existing connector's
cursor format, so saved states stay readable by both connectors.
"""

from datetime import UTC, datetime


def parse_timestamp(value: str) -> datetime:
    """Parse an ISO 8601 datetime; naive values are taken as UTC. Raises ValueError if malformed."""
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        return parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def format_timestamp(value: datetime) -> str:
    """Render an aware datetime as canonical UTC with microseconds and `+00:00`."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def hogql_literal(value: datetime) -> str:
    """Render a datetime the way HogQL's toDateTime64(..., 6, 'UTC') expects it."""
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")
