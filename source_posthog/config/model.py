"""The connector's configuration: one pydantic model that validates user input, read by every layer.

The connection fields (host, key, start date) live in `config/connection.py`; this module adds how to read.

Field names and formats match the existing airbyte-source-posthog connector so saved configs keep working;
every field added since is optional with a default. `config/file.py` reads it from a file and turns it
into the connector specification.
"""

from typing import Annotated

from pydantic import Field, model_validator

from source_posthog.config.connection import Connection
from source_posthog.config.fields import CustomQuery, EventNames, RateLimits, setting

PAGE_SIZE = 45_000  # 0.74 of PostHog's hourly ceiling at <= 250 MB with 3 queries in flight (bench/README.md)
SERIAL_PAGE_SIZE = 20_000  # <= 100 MB with one query in flight


class Config(Connection):
    """What a user configures; see README "Configuration" for each field."""

    events_time_step: Annotated[
        int,
        setting(
            3,
            "Events stream slice step size (in days)",
            "The widest events window, in days; windows are planned from the data and are usually much narrower.",
            ge=1,
            le=91,
            examples=[30, 10, 5],
        ),
    ] = 30
    project_ids: Annotated[
        list[Annotated[int, Field(gt=0)]],
        setting(
            4,
            "Project IDs",
            "Only sync these projects. Required for keys scoped to projects, which cannot "
            "list projects. Empty means every project of the key's current organization.",
        ),
    ] = []
    events_lookback_minutes: Annotated[
        int,
        setting(
            5,
            "Events lookback (minutes)",
            "Each incremental sync re-reads this window before the saved "
            "cursor; re-read events are delivered again and deduplicated by id downstream.",
            ge=0,
            le=10080,
        ),
    ] = 60
    rate_limit_share: Annotated[
        float,
        setting(
            6,
            "Share of PostHog rate limits",
            "Fraction of PostHog's documented API rate limits this "
            "connector may use. Lower it when other tools use the same key or project.",
            gt=0.0,
            le=1.0,
        ),
    ] = 1.0
    events_page_size: Annotated[
        int | None,
        setting(
            7,
            "Events page size",
            "Rows per events query; windows are planned to hold about this many events each. Empty: 45,000, or "
            "20,000 with one query in flight. Large pages reach PostHog's hourly ceiling (2,400 queries of at most "
            "50,000 rows); each query in flight holds about 1 MB per 1,000 rows. Also caps the pages of the other "
            "HogQL tables (persons 45,000, others 10,000).",
            ge=1,
            le=50000,
        ),
    ] = None
    rate_limits: Annotated[
        RateLimits,
        setting(
            8,
            "Rate limit overrides",
            "Only for instances whose throttle rates differ from PostHog Cloud's (self-hosted), e.g. "
            '{"query": "120/hour"}. Keys: crud, analytics (insights), persons, query (events). Each value is one '
            'or more DRF-style rates: "240/minute, 2400/hour". Empty means PostHog\'s documented limit.',
        ),
    ] = RateLimits()
    max_concurrent_queries: Annotated[
        int,
        setting(
            9,
            "Queries in flight",
            "At most this many /query/ requests at once. PostHog Cloud runs 3 per team "
            "at once and answers more with a 429, after which the connector lowers its own limit for a while.",
            ge=1,
            le=10,
        ),
    ] = 3
    events_include: Annotated[
        EventNames,
        setting(
            10,
            "Only these events",
            "Event names to sync, e.g. $pageview; empty means every event. Filtered by "
            "PostHog inside each query. Changing it keeps the cursor: newly included events are not back-filled until "
            "the events stream is reset.",
            examples=[["$pageview", "signed_up"]],
        ),
    ] = []
    late_events_days: Annotated[
        int,
        setting(
            12,
            "Late events window (days)",
            "Each incremental sync also delivers events ingested since the "
            "previous sync whose timestamps lie up to this many days before the re-read window (mobile offline queues, "
            "imports). 0 turns this sweep off. Older late arrivals are counted in a warning, not delivered.",
            ge=0,
            le=30,
        ),
    ] = 3
    events_exclude: Annotated[
        EventNames,
        setting(
            11,
            "Never these events",
            "Event names never to sync, e.g. $autocapture. Filtered by PostHog inside each query.",
            examples=[["$autocapture", "$feature_flag_called"]],
        ),
    ] = []
    custom_queries: Annotated[
        list[CustomQuery],
        setting(
            13,
            "Custom HogQL queries",
            "Each becomes a stream of its own, read per project: {name, query, primary_key, cursor_field?, "
            "lookback_minutes?}. query is one HogQL SELECT (events, persons, sessions, data warehouse tables...); "
            "primary_key names result columns that identify a row; with cursor_field the stream is incremental. "
            'See README "Custom queries".',
        ),
    ] = []

    max_memory_mb: Annotated[
        int,
        setting(
            14,
            "Memory budget (MB)",
            "About how much memory the connector process may use. Pages are sized by the bytes their rows weigh "
            "(light events keep full 45,000-row pages; 3 KB pageviews, 150 KB LLM events or large person properties "
            "get fewer rows per page) so the sync fits a container of this size. A smaller budget needs more "
            "queries for the same data (PostHog allows 2,400 per hour), so heavy events sync more slowly; a larger "
            "one only helps when rows are heavy. A single row larger than a page's share is still read, alone.",
            ge=64,
            le=65536,
        ),
    ] = 256

    @model_validator(mode="after")
    def _check_across_fields(self) -> "Config":
        """Settings that are each valid but contradict one another."""
        both = sorted(set(self.events_include) & set(self.events_exclude))
        if both:
            raise ValueError(f"events_include and events_exclude both name {', '.join(map(repr, both[:5]))}")
        names = [query.name for query in self.custom_queries]
        twice = sorted({name for name in names if names.count(name) > 1})
        if twice:
            raise ValueError(f"custom_queries name the stream {', '.join(map(repr, twice))} more than once")
        return self

    @property
    def events_page_rows(self) -> int:
        """Rows per events query: the configured size, else one sized for memory and PostHog's ceiling.

        45,000 keeps 3 queries in flight near 250 MB at 0.74 of the hourly ceiling; 20,000 keeps one under
        100 MB (bench/README.md).
        """
        if self.events_page_size is not None:
            return self.events_page_size
        return PAGE_SIZE if self.max_concurrent_queries > 1 else SERIAL_PAGE_SIZE
