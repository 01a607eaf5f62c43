"""Rate limits per endpoint class and the simulated `/query/` run time: the API's throughput, as settings.

Apart from settings.py because they are one concern (how much a client may ask, and how long an answer
takes) with their own presets (`REAL_LIMITS`, `QueryCost.real`), read by server/ratelimit.py and query/cost.py.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ClassLimit:
    """DRF throttle pair for one endpoint class; None disables that bucket."""

    burst: int | None
    sustained: int | None
    burst_period_s: float = 60.0
    sustained_period_s: float = 3600.0


REAL_LIMITS: dict[str, ClassLimit] = {
    "crud": ClassLimit(480, 4800),
    "clickhouse": ClassLimit(240, 1200),
    "persons": ClassLimit(240, None),
    "query": ClassLimit(240, 2400),
    "legacy_hogql": ClassLimit(None, 120),
}


@dataclass(frozen=True)
class QueryCost:
    """Simulated `/query/` execution time (posthog-api.md §10); all zero and no limit = off.

    time = fixed + scanned x per_scanned + matched x per_matched + returned x per_returned, where
    scanned = rows in every UTC day the WHERE's timestamp range touches (all rows without a bound),
    matched = rows inside that range (top-N sorted by ORDER BY timestamp, uuid), returned = result
    rows. Aggregates do not sort: their matched term is multiplied by `aggregate_match_factor`.
    """

    fixed_s: float = 0.0
    per_scanned_row_s: float = 0.0
    per_matched_row_s: float = 0.0
    per_returned_row_s: float = 0.0
    aggregate_match_factor: float = 0.05  # counting needs no sort and no `properties`
    per_person_row_s: float = 0.0  # a row `persons` aggregates (argMax with `properties`), pushdown: query/table_cost
    per_key_row_s: float = 0.0  # a narrow row: person_distinct_ids' argMax, a raw table's sort-key read
    time_limit_s: float | None = None  # PostHog: 10; above it -> 504
    grouping_key_pushdown: bool = False  # ClickHouse moves a lazy table's WHERE on its GROUP BY key below it
    wrapped_compare_reads_all: bool = False  # old ClickHouse: an ifNull(..)-wrapped key comparison reads all
    sleep: bool = False  # really wait the simulated time (benchmarks), holding the query slot

    @classmethod
    def real(cls, time_scale: float = 1.0, row_scale: float = 1.0) -> QueryCost:
        """PostHog Cloud's order of magnitude (DESIGN.md); `row_scale`: each row stands for that many."""
        return cls(
            fixed_s=0.15 * time_scale,
            per_scanned_row_s=1e-8 * time_scale * row_scale,  # ~100M rows/s: timestamp-only filter
            per_matched_row_s=3e-7 * time_scale * row_scale,  # ~3M rows/s: top-N sort reading properties
            per_returned_row_s=3e-5 * time_scale,  # ~33k rows/s: Python result processing and JSON
            per_person_row_s=5e-7 * time_scale * row_scale,  # ~2M rows/s: argMax over rows holding properties
            per_key_row_s=2e-8 * time_scale * row_scale,  # ~50M rows/s: a few narrow columns
            time_limit_s=10.0 * time_scale,
            sleep=True,
        )


@dataclass(frozen=True)
class Limits:
    """Rate limits per endpoint class (posthog-api.md §4); off unless `enabled`."""

    enabled: bool = False
    classes: dict[str, ClassLimit] = field(default_factory=lambda: dict(REAL_LIMITS))
    scale: float = 1.0  # multiplies every bucket size (0.1 = a tenth of the real quota)
    legacy_query: bool = False  # /query/ on the old 120/h HogQL limit instead of "query"
    key_by: str = "key"  # "key" (PostHog code) or "project" (docs: the whole team shares)
    retry_after: bool = True  # False: 429 without Retry-After (clients must back off blind)
    query_concurrency: int | None = 3  # concurrent /query/ per project; None = unlimited
    query_queue_s: float = 0.0  # how long an extra query waits for a slot before 429 (real: 30)
    query_cost: QueryCost = field(default_factory=QueryCost)  # simulated run time and the 10 s limit
    # PostHog's hourly read budget per team for API-key queries (PR #95375; posthog/api_queries_budget.py
    # @21f310d9): bytes there, rows read here (query/read_budget.py). None = off.
    read_budget_rows_per_hour: float | None = None
    read_budget_capacity_hours: float = 24.0  # the bucket holds a day of refill
