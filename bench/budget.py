"""Time and request budget of a 10M-event backfill under PostHog's documented rate limits.

DRF throttles are sliding windows: at most `burst` requests in any minute and `sustained` in any
hour. `throttled_seconds` schedules requests greedily under both windows (a simulation with the
real numbers), which is the least time any client can take, however fast the server answers.
"""

from dataclasses import dataclass

BACKFILL_EVENTS = 10_000_000
LEGACY_PAGE_ROWS = 1000  # /events/ clamps `limit` to 1000 since 2026-05-26


@dataclass(frozen=True)
class Limit:
    """One endpoint class's throttle pair (posthog-api.md §4)."""

    name: str
    burst_per_min: int
    sustained_per_h: int


QUERY = Limit("/query/ (API queries)", 240, 2400)
EVENTS = Limit("/events/ (ClickHouse class)", 240, 1200)


def throttled_seconds(requests: int, limit: Limit) -> float:
    """When the last of `requests` can be sent, the first at t=0, under both sliding windows."""
    times: list[float] = []
    for k in range(requests):
        t = times[-1] if times else 0.0
        if k >= limit.burst_per_min:
            t = max(t, times[k - limit.burst_per_min] + 60.0)
        if k >= limit.sustained_per_h:
            t = max(t, times[k - limit.sustained_per_h] + 3600.0)
        times.append(t)
    return times[-1] if times else 0.0


def human(seconds: float) -> str:
    """`2 h 05 min`, `9 min`, `40 s`."""
    if seconds < 60:
        return f"{seconds:.0f} s"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"{hours} h {minutes:02d} min" if hours else f"{minutes} min"


def budget_lines(query_requests_per_1m: float | None, ours_s_per_1m: float | None) -> list[str]:
    """README-ready lines: requests and least time for 10M events on each path."""
    scale = BACKFILL_EVENTS / 1_000_000
    lines = [f"10M-event backfill under PostHog's documented limits (events: {BACKFILL_EVENTS:,}):"]
    if query_requests_per_1m is not None:
        requests = round(query_requests_per_1m * scale)
        wait = throttled_seconds(requests, QUERY)
        transfer = f", transfer at the measured 1M pace ≈ {human(ours_s_per_1m * scale)}" if ours_s_per_1m else ""
        lines.append(
            f"  this connector, {QUERY.name} {QUERY.burst_per_min}/min {QUERY.sustained_per_h}/h: "
            f"{requests:,} requests ({query_requests_per_1m:.0f} per 1M), throttle floor {human(wait)}{transfer}"
        )
    legacy_requests = BACKFILL_EVENTS // LEGACY_PAGE_ROWS
    wait = throttled_seconds(legacy_requests, EVENTS)
    lines.append(
        f"  existing connector's path, {EVENTS.name} {EVENTS.burst_per_min}/min {EVENTS.sustained_per_h}/h, "
        f"{LEGACY_PAGE_ROWS} rows per page: {legacy_requests:,} requests, throttle floor {human(wait)} "
        "(even if it paged correctly; it stops after one clamped page per slice, and offset > 50,000 is refused)"
    )
    return lines
