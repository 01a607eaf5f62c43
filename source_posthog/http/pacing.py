"""Pace requests below PostHog's rate limits so a 429 is the exception, not the way we find the limit.

PostHog throttles with DRF sliding windows (1 min burst, 1 h sustained) and sends no X-RateLimit
headers. A token bucket refilled at a steady rate would allow burst + rate x window per window and
earn 429s, so each spent token instead returns exactly one window after it was spent: the same rule.
Buckets are shared by all projects, the worst case of PostHog's "limits apply to the entire team".
"""

import threading
import time
from collections import deque
from collections.abc import Callable
from enum import Enum

from source_posthog.config.rates import Window, parse_rates

# Request latency means the server stamps a request a little later than we do; leave this much slack.
WINDOW_MARGIN_SECONDS = 0.05
# A wait this long is told (`on_long_wait`): a big read that has spent the hourly window sleeps for many minutes
# without a request or a record, and would look hung (a 10M-person person_distinct_ids read once did).
LONG_WAIT_SECONDS = 120.0  # longer than any wait for the minute window


class EndpointClass(Enum):
    """PostHog's throttle classes (posthog-api §4)."""

    CRUD = "crud"
    ANALYTICS = "analytics"  # /events/ list, insights: the ClickHouse-backed viewsets
    PERSONS = "persons"
    QUERY = "query"


LongWait = Callable[[EndpointClass, Window | None, float], None]
"""(endpoint class, the window that is full or None after a 429's Retry-After, seconds to wait)."""

DOCUMENTED_LIMITS: dict[EndpointClass, tuple[Window, ...]] = {
    EndpointClass.CRUD: (Window(480, 60), Window(4800, 3600)),
    EndpointClass.ANALYTICS: (Window(240, 60), Window(1200, 3600)),
    EndpointClass.PERSONS: (Window(240, 60),),
    EndpointClass.QUERY: (Window(240, 60), Window(2400, 3600)),
}


def limits_with(overrides: dict[str, str]) -> dict[EndpointClass, tuple[Window, ...]]:
    """PostHog's documented limits, with the classes named in `overrides` replaced."""
    limits = dict(DOCUMENTED_LIMITS)
    for name, rates in overrides.items():
        if rates:
            limits[EndpointClass(name)] = parse_rates(rates)
    return limits


class SlidingWindow:
    """A send-time log for one window; `wait_time` says how long until one more request fits."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self._sent: deque[float] = deque()

    def wait_time(self, now: float) -> float:
        """Seconds until a request sent now would be allowed (0 if it is allowed already)."""
        horizon = now - self.window.seconds
        while self._sent and self._sent[0] <= horizon:
            self._sent.popleft()
        if len(self._sent) < self.window.limit:
            return 0.0
        return self._sent[0] - horizon + WINDOW_MARGIN_SECONDS

    def record(self, now: float) -> None:
        """Log a request sent at `now`."""
        self._sent.append(now)

    def sent(self, now: float) -> int:
        """Requests logged in the window ending now."""
        self.wait_time(now)  # drops the ones that left the window
        return len(self._sent)


class Pacer:
    """Blocks before each request until every window of its endpoint class has room."""

    def __init__(
        self,
        limits: dict[EndpointClass, tuple[Window, ...]] | None = None,
        share: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
        on_long_wait: LongWait | None = None,
    ) -> None:
        chosen = DOCUMENTED_LIMITS if limits is None else limits
        # `share` leaves the rest of the team's budget to other tools using the same key or project.
        self._windows = {
            endpoint: [SlidingWindow(Window(max(1, int(w.limit * share)), w.seconds)) for w in windows]
            for endpoint, windows in chosen.items()
        }
        self._not_before = dict.fromkeys(EndpointClass, 0.0)
        # One lock per class: a class waiting for its window never delays requests of another class.
        self._locks = {endpoint: threading.Lock() for endpoint in EndpointClass}
        self._clock = clock
        self._sleep = sleep
        self._on_long_wait = on_long_wait
        self.waited_seconds = 0.0

    def acquire(self, endpoint: EndpointClass) -> float:
        """Wait until a request of this class fits in every window, count it as sent; return the seconds waited."""
        waited = 0.0
        with self._locks[endpoint]:
            windows = self._windows.get(endpoint, [])
            while (wait := self._wait_time(endpoint, windows, self._clock())) > 0:
                if wait >= LONG_WAIT_SECONDS and self._on_long_wait is not None:
                    self._on_long_wait(endpoint, self._full_window(windows, wait), wait)
                waited += wait
                self._sleep(wait)
            now = self._clock()
            for window in windows:
                window.record(now)
        self.waited_seconds += waited
        return waited

    def hold(self, endpoint: EndpointClass, seconds: float) -> None:
        """After a 429, make every request of this class wait `seconds` (someone else spent the budget)."""
        self._not_before[endpoint] = max(self._not_before[endpoint], self._clock() + seconds)

    def learn_limit(self, endpoint: EndpointClass, retry_after: float) -> int | None:
        """Shrink the longest window after a 429 only it can explain; return its new limit, or None.

        A Retry-After longer than every other window of the class means the longest (hourly) bucket is
        spent although we paced below its assumed size: the team is on a smaller budget (legacy teams:
        120 queries/h) or other tools share it. From now on only what PostHog answered in that window fits.
        """
        with self._locks[endpoint]:
            windows = sorted(self._windows.get(endpoint, []), key=lambda w: w.window.seconds)
            if len(windows) < 2 or retry_after <= windows[-2].window.seconds:
                return None
            longest = windows[-1]
            allowed = longest.sent(self._clock()) - 1  # the refused request is logged but did not count there
            if not 0 < allowed < longest.window.limit:
                return None
            longest.window = Window(allowed, longest.window.seconds)
            return allowed

    def _full_window(self, windows: list[SlidingWindow], wait: float) -> Window | None:
        """The window that makes a request wait `wait` seconds; None when it is a 429's hold."""
        now = self._clock()
        return next((w.window for w in windows if w.wait_time(now) >= wait - WINDOW_MARGIN_SECONDS), None)

    def _wait_time(self, endpoint: EndpointClass, windows: list[SlidingWindow], now: float) -> float:
        held = self._not_before[endpoint] - now
        return max([held, *(window.wait_time(now) for window in windows)])


def describe_wait(endpoint: EndpointClass, window: Window | None, seconds: float) -> str:
    """What a long wait is for, in words for the log."""
    wait = f"{seconds / 60:,.0f} min" if seconds >= 120 else f"{seconds:,.0f} s"
    if window is None:
        return f"Waiting {wait} before the next {endpoint.value} request, as PostHog's last 429 answer asked."
    return (
        f"Waiting {wait} before the next {endpoint.value} request: this read has sent the {window.limit:,} that "
        f"PostHog's rate limit allows in {window.seconds / 60:,.0f} min (the `rate_limits` setting); "
        "it goes on by itself."
    )
