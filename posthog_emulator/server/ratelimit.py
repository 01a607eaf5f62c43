"""DRF `SimpleRateThrottle` semantics per endpoint class: burst and sustained sliding windows.

Each bucket keeps a newest-first history of request times. A request is refused when a bucket
already holds `num_requests` entries younger than its period; refused requests are not recorded,
but buckets that did allow it record it even when another bucket refused (DRF's check_throttles).
The wait is DRF's `(period - (now - oldest)) / (num_requests - len + 1)`; `Retry-After` is the
ceiling of the largest wait.
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from posthog_emulator.common.web import ApiError
from posthog_emulator.config.limit_settings import ClassLimit, Limits


class RateLimiter:
    """Thread-safe throttle state; `clock` is injectable for tests."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self.history: dict[tuple[str, str, str], list[float]] = {}
        self.lock = threading.Lock()

    def reset(self) -> None:
        """Forget all request history."""
        with self.lock:
            self.history.clear()

    def check(self, limits: Limits, endpoint_class: str, ident: str) -> None:
        """Raise the real 429 when any bucket of the class refuses."""
        if not limits.enabled:
            return
        spec = limits.classes.get(endpoint_class)
        if spec is None:
            return
        now = self.clock()
        waits = []
        with self.lock:
            for name, size, period in _buckets(spec, limits.scale):
                wait = self._allow(now, (endpoint_class, name, ident), size, period)
                if wait is not None:
                    waits.append(wait)
        if waits:
            raise throttled(math.ceil(max(waits)), limits.retry_after)

    def _allow(self, now: float, key: tuple[str, str, str], size: int, period: float) -> float | None:
        history = self.history.setdefault(key, [])
        while history and history[-1] <= now - period:
            history.pop()
        if len(history) >= size:
            remaining = period - (now - history[-1]) if history else period
            return remaining / (size - len(history) + 1)
        history.insert(0, now)
        return None


def _buckets(spec: ClassLimit, scale: float) -> list[tuple[str, int, float]]:
    out = []
    for name, count, period in (
        ("burst", spec.burst, spec.burst_period_s),
        ("sustained", spec.sustained, spec.sustained_period_s),
    ):
        if count is not None:
            out.append((name, max(1, round(count * scale)), period))
    return out


def throttled(wait: int, retry_after: bool = True) -> ApiError:
    """DRF's Throttled with drf-exceptions-hog's envelope and integer Retry-After."""
    unit = "second" if wait == 1 else "seconds"
    headers = {"Retry-After": str(wait)} if retry_after else {}
    return ApiError(
        429, f"Request was throttled. Expected available in {wait} {unit}.", code="throttled", headers=headers
    )
