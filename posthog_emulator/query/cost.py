"""Simulated `/query/` run time from what ClickHouse would read, and the 10-second limit (posthog-api.md §10).

`events` is sorted by (team_id, toDate(timestamp), event, ...): a timestamp range prunes whole UTC
days and every row of those days is read ("scanned"); the rows inside the range are "matched" and,
under ORDER BY timestamp, uuid, top-N sorted with their properties. So a page's cost follows the
rows its WHERE touches, not its LIMIT. Too slow a query answers PostHog's 504, after the limit.
"""

from __future__ import annotations

import time
from dataclasses import asdict, dataclass
from typing import Any

from posthog_emulator.common.timefmt import DAY_US
from posthog_emulator.common.web import ApiError
from posthog_emulator.config.limit_settings import QueryCost
from posthog_emulator.data.eventstore import EventStore

DOCS = "https://posthog.com/docs/api/queries"


@dataclass(frozen=True)
class Cost:
    """One query's figures, as logged under `query_cost` in the request log."""

    scanned_rows: int
    matched_rows: int
    returned_rows: int
    simulated_s: float
    timed_out: bool

    def log(self) -> dict[str, Any]:
        """The request-log entry."""
        return asdict(self)


def scanned_rows(store: EventStore, lo: int | None, hi: int | None) -> int:
    """Rows in every whole UTC day that [lo, hi] touches; all rows without a bound, none if empty."""
    if lo is not None and hi is not None and lo > hi:
        return 0
    first = None if lo is None else lo // DAY_US * DAY_US
    last = None if hi is None else (hi // DAY_US + 1) * DAY_US - 1
    start, stop = store.span(first, last)
    return stop - start


def matched_rows(store: EventStore, lo: int | None, hi: int | None) -> int:
    """Rows whose timestamp lies in [lo, hi]: what a top-N sort must look at (a bisect, cheap)."""
    start, stop = store.span(lo, hi)
    return stop - start


def measure(
    model: QueryCost, store: EventStore, ts_range: tuple[int | None, int | None], returned: int, aggregate: bool
) -> Cost:
    """Simulated seconds = fixed + scanned x a + matched x b (x aggregate_match_factor) + returned x c."""
    scanned, matched = scanned_rows(store, *ts_range), matched_rows(store, *ts_range)
    per_match = model.per_matched_row_s * (model.aggregate_match_factor if aggregate else 1.0)
    seconds = (
        model.fixed_s + scanned * model.per_scanned_row_s + matched * per_match + returned * model.per_returned_row_s
    )
    limit = model.time_limit_s
    return Cost(scanned, matched, returned, round(seconds, 6), limit is not None and seconds > limit)


def settle(model: QueryCost, cost: Cost, *, blocking: bool) -> None:
    """Spend the simulated time (when `sleep`); past the limit, spend the limit and answer 504.

    Async queries run outside the API's limit in PostHog, so they are neither delayed nor cut.
    """
    if not blocking:
        return
    if cost.timed_out and model.time_limit_s is not None:
        if model.sleep:
            time.sleep(model.time_limit_s)
        raise ApiError(504, timeout_detail(model.time_limit_s), log={"query_cost": cost.log()})
    if model.sleep and cost.simulated_s > 0:
        time.sleep(cost.simulated_s)


def timeout_detail(limit_s: float) -> str:
    """PostHog's text (posthog/exceptions.py ClickHouseQueryTimeOut), with the limit in force."""
    return (
        f"This query hit the {limit_s:g}-second time limit for queries run through the API. "
        f"Submit it as an async query to give it more time: {DOCS}#asynchronous-queries. "
        f"You can also narrow the date range or the filters so it scans less data: {DOCS}"
    )
