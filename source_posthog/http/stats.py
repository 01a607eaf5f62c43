"""What the HTTP layer tells the rest of a sync: counters, and a callback for what the user should know.

The HTTP layer never writes messages itself; the sync owns an `HttpStats`, reads its counters for the
progress lines and the summary, and sets `on_warning` to turn each retry or change of pace into a log line.
"""

from collections.abc import Callable
from dataclasses import dataclass, field


def _ignore(_message: str) -> None:
    """Default listener: nothing is told."""


@dataclass
class HttpStats:
    """Counters of one client's requests, and a listener told in words about retries and changes of pace."""

    requests: int = 0
    retries: int = 0
    throttled: int = 0  # answers with status 429
    # Seconds spent waiting: before requests, to stay under PostHog's rate limits; after 429 answers
    # (Retry-After or backoff); before other retries (5xx, broken connections).
    pacing_seconds: float = 0.0
    throttled_seconds: float = 0.0
    retry_seconds: float = 0.0
    on_warning: Callable[[str], None] = field(default=_ignore)

    @property
    def rate_limit_seconds(self) -> float:
        """Every wait caused by rate limits: our own pacing plus the waits PostHog's 429s asked for."""
        return self.pacing_seconds + self.throttled_seconds

    def paced(self, seconds: float) -> None:
        """Count a wait before a request."""
        self.pacing_seconds += seconds

    def retried(self, message: str, *, wait: float = 0.0, throttled: bool) -> None:
        """Count a retry and its wait, and tell the listener."""
        self.retries += 1
        self.throttled += throttled
        if throttled:
            self.throttled_seconds += wait
        else:
            self.retry_seconds += wait
        self.on_warning(message)
