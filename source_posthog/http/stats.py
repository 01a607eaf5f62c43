"""What the HTTP layer tells the rest of a sync: counters, and a callback for what the user should know.

The HTTP layer never writes messages itself; the sync owns an `HttpStats`, reads its counters for the
progress summary and sets `on_warning` to turn each retry or change of pace into a log line.
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
    throttled: int = 0
    """Answers with status 429."""
    on_warning: Callable[[str], None] = field(default=_ignore)

    def retried(self, message: str, *, throttled: bool) -> None:
        """Count a retry and tell the listener."""
        self.retries += 1
        self.throttled += throttled
        self.on_warning(message)
