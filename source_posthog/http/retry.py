"""How long to wait before retrying a failed request, and when to stop retrying.

PostHog tells us when a throttled request may succeed (`Retry-After`, seconds or an HTTP date);
retrying earlier only earns another 429, so that wait is obeyed to the second. Without the header
(5xx, broken connections, /query/ concurrency 429s) the wait grows exponentially with jitter.
"""

import random
import time
from collections.abc import Callable, Generator
from dataclasses import dataclass
from email.utils import parsedate_to_datetime
from typing import Any


@dataclass(frozen=True)
class RetryPolicy:
    """Limits of the retry loop."""

    max_tries: int = 10
    """Attempts per request, the first one included."""
    base_wait: float = 1.0
    """First exponential step, in seconds; doubled after each failure."""
    max_exponential_wait: float = 120.0
    """Ceiling of one exponential step: a flapping server is retried at least every two minutes."""
    max_retry_after: float = 3600.0
    """Longest Retry-After we accept; PostHog's hourly bucket asks for up to an hour."""
    max_total_wait: float = 7200.0
    """Budget of waiting per request. A wait that would overrun it ends the retries instead of being cut
    short, because a shortened Retry-After wait is a guaranteed 429 (backoff's max_time would cut it)."""


class RetryableError(Exception):
    """A failure worth retrying; carries the server's Retry-After (seconds) when it sent one."""

    def __init__(
        self, description: str, retry_after: float | None = None, status: int | None = None, *, advice: str = ""
    ) -> None:
        super().__init__(description)
        self.description = description
        self.retry_after = retry_after
        self.status = status
        self.advice = advice
        """What the user can do if retrying never helps (network failures say what to check)."""


def parse_retry_after(value: str | None, now: Callable[[], float] = time.time) -> float | None:
    """Read Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if not value or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        moment = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    return max(0.0, moment.timestamp() - now())


def exponential_wait(attempt: int, policy: RetryPolicy, rng: random.Random) -> float:
    """Equal jitter: half the step is fixed, half random, so waits stay within [step / 2, step]."""
    step = min(policy.base_wait * 2.0**attempt, policy.max_exponential_wait)
    return step / 2 + rng.uniform(0, step / 2)


def wait_times(
    policy: RetryPolicy, clock: Callable[[], float] = time.monotonic, rng: random.Random | None = None
) -> Generator[float, Any, None]:
    """`backoff` wait generator: each failure is sent in, the wait before the next attempt comes out.

    The generator ends (and `backoff` gives up) when a wait would break a limit of `policy`.
    """
    rng = rng or random.Random()  # noqa: S311 - jitter, not cryptography
    waited = 0.0
    attempt = 0
    started = clock()
    error = yield 0.0  # backoff primes the generator when the request starts
    while True:
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            wait = retry_after  # exactly: never before the time PostHog named
            if wait > policy.max_retry_after:
                return
        else:
            wait = exponential_wait(attempt, policy, rng)
            attempt += 1
        waited = max(waited, clock() - started)
        if waited + wait > policy.max_total_wait:
            return
        waited += wait
        error = yield wait


def give_up_message(policy: RetryPolicy, where: str, error: RetryableError, tries: int) -> str:
    """Why retrying stopped, and what the user can do about it."""
    failed = f"PostHog at {where}: {error.description}"
    if error.retry_after is not None and error.retry_after > policy.max_retry_after:
        return (
            f"{failed}, and asked to wait {error.retry_after:.0f} s, longer than the {policy.max_retry_after:.0f} s "
            "this connector waits. The key's hourly budget is probably spent by other tools: lower "
            "rate_limit_share or run later."
        )
    return f"{failed}, after {tries} attempts. Run again later; check base_url if it persists."
