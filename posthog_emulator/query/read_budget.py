"""PostHog Cloud's hourly read budget per team for API-key queries: the switch `Limits.read_budget_rows_per_hour`.

As posthog/api_queries_budget.py @21f310d9 (PR #95375) keeps it: a token bucket per team, full at first,
refilled continuously at the hourly rate up to `capacity_hours` of refill (a day); the query runner reads the
balance before admitting a query and refuses while it is not positive, with 429 and `Retry-After` = the
seconds until it is positive again (at least 1: `seconds_until_positive`); the ClickHouse client debits what
each query read once it has run, so the query that crosses zero runs in full; the balance floors at minus
one hour of refill, so a refusal never lasts more than an hour. PostHog counts bytes read; the emulator counts
the rows its cost model says a query read (query/cost, query/table_cost). The 429's body is DRF's Throttled
text (server/ratelimit.throttled); that the budget's refusal uses exactly that text is a guess.
"""

from __future__ import annotations

import math
import time

from posthog_emulator.server.ratelimit import throttled
from posthog_emulator.state.runtime import Runtime


def admit(rt: Runtime, pid: int, now: float | None = None) -> None:
    """Refuse (429 with Retry-After) a query of a project whose budget is spent; no-op when the budget is off."""
    rate = rt.limits.read_budget_rows_per_hour
    if rate is None:
        return
    balance = _refilled(rt, pid, rate, time.time() if now is None else now)
    if balance <= 0:
        raise throttled(max(1, math.ceil(-balance / (rate / 3600.0))) if rate > 0 else 1)


def debit(rt: Runtime, pid: int, rows: int, now: float | None = None) -> None:
    """Take the rows a query read off the project's budget, down to minus an hour of refill."""
    rate = rt.limits.read_budget_rows_per_hour
    if rate is None or rows <= 0:
        return
    at = time.time() if now is None else now
    balance = _refilled(rt, pid, rate, at)
    with rt.lock:
        rt.read_budget[pid] = (max(balance - rows, -rate), at)


def _refilled(rt: Runtime, pid: int, rate: float, now: float) -> float:
    """The balance brought up to `now` (lazy refill), stored back."""
    capacity = rate * rt.limits.read_budget_capacity_hours
    with rt.lock:
        balance, at = rt.read_budget.get(pid, (capacity, now))
        balance = max(min(capacity, balance + max(0.0, now - at) / 3600.0 * rate), -rate)
        rt.read_budget[pid] = (balance, now)
    return balance
