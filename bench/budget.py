"""Time and request budget of a 10M-event backfill under PostHog's documented rate limits.

DRF throttles are sliding windows: at most `burst` requests in any minute and `sustained` in any
hour. `throttled_seconds` schedules requests greedily under both windows (a simulation with the
real numbers), which is the least time any client can take, however fast the server answers.
"""

from dataclasses import dataclass

BACKFILL_EVENTS = 10_000_000
QUERY_BUDGET_S = 10  # PostHog's execution ceiling for API queries: the slowest a page can be and still work
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


def budget_lines(measured: tuple[int, int, float] | None, page_size: int) -> list[str]:
    """README-ready lines: requests and least time for 10M events on each path.

    `measured` is (events, /query/ requests, wall seconds) of this connector's largest run.
    """
    lines = [f"10M-event backfill under PostHog's documented limits (events: {BACKFILL_EVENTS:,}):"]
    if measured is not None:
        events, requests, wall = measured
        scale = BACKFILL_EVENTS / events
        linear = round(requests * scale)
        # Slices and per-project queries do not grow with volume; only full pages do.
        paged = requests + -(-(BACKFILL_EVENTS - events) // page_size)
        lines.append(
            f"  this connector, {QUERY.name} {QUERY.burst_per_min}/min {QUERY.sustained_per_h}/h "
            f"(from the {events:,}-event run: {requests} requests): {linear:,} requests scaled linearly, "
            f"throttle floor {human(throttled_seconds(linear, QUERY))}; {paged:,} requests if only pages grow, "
            f"floor {human(throttled_seconds(paged, QUERY))}; transfer at the measured pace ≈ {human(wall * scale)}; "
            f"if every query took PostHog's whole {QUERY_BUDGET_S} s budget ≈ {human(paged * QUERY_BUDGET_S)}"
        )
    legacy_requests = BACKFILL_EVENTS // LEGACY_PAGE_ROWS
    wait = throttled_seconds(legacy_requests, EVENTS)
    lines.append(
        f"  existing connector's path, {EVENTS.name} {EVENTS.burst_per_min}/min {EVENTS.sustained_per_h}/h, "
        f"{LEGACY_PAGE_ROWS} rows per page: {legacy_requests:,} requests, throttle floor {human(wait)} "
        "(if it paged correctly; it stops after one clamped page per slice, and offset > 50,000 is refused)"
    )
    return lines
