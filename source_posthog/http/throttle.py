"""How fast one client may send: PostHog's rate windows, queries in flight, and what its 429s teach.

PostHog sends no quota headers, so the client paces itself (pacing.py) and caps queries in flight
(concurrency.py). A 429 still happens when other tools share the team's budget: with a Retry-After the
whole class waits that long, and one longer than every window but the hourly one shows a smaller hourly
budget than documented; without one it is PostHog's concurrency refusal, and fewer queries run at once.
"""

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext

from source_posthog.http.concurrency import ConcurrencyLimit
from source_posthog.http.pacing import EndpointClass, Pacer


class Throttle:
    """The pacer and the in-flight gates of one client, and how a 429 changes them."""

    def __init__(self, pacer: Pacer, query_concurrency: int) -> None:
        self.pacer = pacer
        self._gates = {EndpointClass.QUERY: ConcurrencyLimit(query_concurrency)}
        self._budget_learned: set[EndpointClass] = set()

    @contextmanager
    def slot(self, endpoint_class: EndpointClass) -> Iterator[None]:
        """Hold one of the class's in-flight places (classes without a gate have no limit)."""
        gate = self._gates.get(endpoint_class)
        with gate.slot() if gate else nullcontext():
            yield

    def refused(self, endpoint_class: EndpointClass, wait: float, retry_after: float | None) -> str | None:
        """After a 429 whose retry waits `wait` s: hold the class, adapt, and say what changed (else None)."""
        self.pacer.hold(endpoint_class, wait)
        gate = self._gates.get(endpoint_class)
        if retry_after is None and gate is not None:
            return f"PostHog has too many queries running: at most {gate.lower()} in flight for a while."
        if retry_after is None or endpoint_class in self._budget_learned:
            return None
        learned = self.pacer.learn_limit(endpoint_class, retry_after)
        if learned is None:
            return None
        self._budget_learned.add(endpoint_class)  # said once: the budget only shrinks
        return (
            f"PostHog's {endpoint_class.value} budget is smaller than its documented limit (a 429 asked to wait "
            f"{retry_after:.0f} s): pacing to {learned} requests per window for the rest of the run."
        )
