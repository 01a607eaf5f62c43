"""At most N requests of one throttle class in flight, and fewer for a while after PostHog says "too many".

PostHog runs at most 3 API queries per team at once; a fourth waits up to 30 s, then gets a 429 with no
Retry-After ("Too many queries are running right now", posthog-api §10). Other tools of the team count
too, so such a 429 lowers our own limit by one for `cooldown` seconds instead of failing the read.
"""

import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

COOLDOWN_SECONDS = 60.0  # a lowered limit is raised again by one step after this long without refusals


class ConcurrencyLimit:
    """A counting gate whose size shrinks after a refusal and grows back after a quiet cooldown."""

    def __init__(
        self, limit: int, cooldown: float = COOLDOWN_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self.maximum = self.limit = limit
        self._cooldown, self._clock = cooldown, clock
        self._in_flight = 0
        self._lowered_at = 0.0
        self._condition = threading.Condition()

    @contextmanager
    def slot(self) -> Iterator[None]:
        """Hold one of the in-flight places while the block runs."""
        with self._condition:
            while self._in_flight >= self._current():
                self._condition.wait(timeout=1.0)  # wakes to re-check the cooldown too
            self._in_flight += 1
        try:
            yield
        finally:
            with self._condition:
                self._in_flight -= 1
                self._condition.notify()

    def lower(self) -> int:
        """PostHog refused a query for concurrency: one place fewer for a cooldown; return the new limit."""
        with self._condition:
            self.limit = max(1, self.limit - 1)
            self._lowered_at = self._clock()
            return self.limit

    def _current(self) -> int:
        if self.limit < self.maximum and self._clock() - self._lowered_at >= self._cooldown:
            self.limit += 1
            self._lowered_at = self._clock()
        return self.limit
