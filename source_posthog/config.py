"""The connector's configuration: one pydantic model that validates user input, read by every layer.

Field names and formats match the existing airbyte-source-posthog connector so saved configs keep working;
every field added since is optional with a default. `airbyte/spec.py` reads it from a file and turns it
into the connector specification.
"""

from datetime import UTC, datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator, model_validator

from source_posthog.http.pacing import parse_rates
from source_posthog.redaction import register_secret

US_CLOUD = "https://us.posthog.com"
# The legacy US host only redirects now, and HTTP clients drop Authorization on a cross-host redirect.
LEGACY_HOSTS = {"https://app.posthog.com": US_CLOUD}
START_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"
MAX_EVENT_NAMES = 1000  # each name is a query value; a thousand keeps every request small
EventNames = Annotated[
    list[Annotated[str, Field(min_length=1, max_length=400)]], Field(max_length=MAX_EVENT_NAMES)
]  # PostHog truncates event names at 400 characters


class RateLimits(BaseModel):
    """Per-class overrides of PostHog's documented rate limits, in DRF's "N/unit" form."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    crud: Annotated[str, Field(description="projects, annotations, cohorts, feature flags")] = ""
    analytics: Annotated[str, Field(description="insights and the legacy /events/ list")] = ""
    persons: Annotated[str, Field(description="the persons list")] = ""
    query: Annotated[str, Field(description="the HogQL /query/ API, used for events")] = ""

    @field_validator("crud", "analytics", "persons", "query")
    @classmethod
    def _check_rates(cls, value: str) -> str:
        if value:
            parse_rates(value)
        return value


class Config(BaseModel):
    """What a user configures; see README "Configuration" for each field."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="PostHog Spec")

    api_key: Annotated[
        SecretStr,
        Field(
            title="API Key",
            description="A PostHog personal API key (phx_...), created under Settings → Personal API keys, "
            "with read access to the streams you sync.",
            json_schema_extra={"airbyte_secret": True, "order": 0, "type": "string"},
        ),
    ]
    start_date: Annotated[
        str,
        Field(
            title="Start Date",
            description="UTC date and time from which to replicate events, e.g. 2024-01-01T00:00:00Z.",
            pattern=START_DATE_PATTERN,
            json_schema_extra={"examples": ["2024-01-01T00:00:00Z"], "format": "date-time", "order": 1},
        ),
    ]
    base_url: Annotated[
        str,
        Field(
            title="Base URL",
            description="PostHog host: https://us.posthog.com (US Cloud), https://eu.posthog.com (EU Cloud) or "
            "your self-hosted origin. The legacy https://app.posthog.com is read as US Cloud.",
            json_schema_extra={"examples": ["https://eu.posthog.com", "https://posthog.example.com"], "order": 2},
        ),
    ] = US_CLOUD
    events_time_step: Annotated[
        int,
        Field(
            ge=1,
            le=91,
            title="Events stream slice step size (in days)",
            description="Events are read and checkpointed in windows of this many days.",
            json_schema_extra={"examples": [30, 10, 5], "order": 3},
        ),
    ] = 30
    project_ids: Annotated[
        list[Annotated[int, Field(gt=0)]],
        Field(
            title="Project IDs",
            description="Only sync these projects. Required for keys scoped to projects, which cannot list "
            "projects. Empty means every project of the key's current organization.",
            json_schema_extra={"order": 4},
        ),
    ] = []
    events_lookback_minutes: Annotated[
        int,
        Field(
            ge=0,
            le=10080,
            title="Events lookback (minutes)",
            description="Each incremental sync re-reads this window before the saved cursor to pick up events "
            "ingested late; re-read events are delivered again and deduplicated by id downstream.",
            json_schema_extra={"order": 5},
        ),
    ] = 60
    late_events_days: Annotated[
        int,
        Field(
            ge=0,
            le=30,
            title="Late events window (days)",
            description="Each incremental sync also delivers events ingested since the previous sync whose "
            "timestamps lie up to this many days before the re-read window (mobile offline queues, imports). "
            "0 turns this sweep off. Older late arrivals are counted in a warning, not delivered.",
            json_schema_extra={"order": 11},
        ),
    ] = 3
    rate_limit_share: Annotated[
        float,
        Field(
            gt=0.0,
            le=1.0,
            title="Share of PostHog rate limits",
            description="Fraction of PostHog's documented API rate limits this connector may use. Lower it when "
            "other tools use the same key or project.",
            json_schema_extra={"order": 6},
        ),
    ] = 1.0
    rate_limits: Annotated[
        RateLimits,
        Field(
            title="Rate limit overrides",
            description="Only for instances whose throttle rates differ from PostHog Cloud's (self-hosted), e.g. "
            '{"query": "120/hour"}. Keys: crud, analytics (insights), persons, query (events). Each value is one '
            'or more DRF-style rates: "240/minute, 2400/hour". Empty means PostHog\'s documented limit.',
            json_schema_extra={"order": 8},
        ),
    ] = RateLimits()
    events_page_size: Annotated[
        int,
        Field(
            ge=1,
            le=50000,
            title="Events page size",
            description="Rows per events query; windows are planned to hold about this many events each. PostHog "
            "answers at most 50,000 rows per query and 2,400 queries per hour, so large pages reach its hourly "
            "ceiling; lower it to bound memory (about 1 MB per 1,000 rows in flight).",
            json_schema_extra={"order": 7},
        ),
    ] = 45000
    max_concurrent_queries: Annotated[
        int,
        Field(
            ge=1,
            le=10,
            title="Queries in flight",
            description="At most this many /query/ requests at once. PostHog Cloud runs 3 per team at once and "
            "answers more with a 429, after which the connector lowers its own limit for a while.",
            json_schema_extra={"order": 9},
        ),
    ] = 3

    events_include: Annotated[
        EventNames,
        Field(
            title="Only these events",
            description="Event names to sync, e.g. $pageview; empty means every event. Filtered by PostHog inside "
            "each query. Changing it keeps the cursor: newly included events are not back-filled until the events "
            "stream is reset.",
            json_schema_extra={"examples": [["$pageview", "signed_up"]], "order": 9},
        ),
    ] = []
    events_exclude: Annotated[
        EventNames,
        Field(
            title="Never these events",
            description="Event names never to sync, e.g. $autocapture. Filtered by PostHog inside each query.",
            json_schema_extra={"examples": [["$autocapture", "$feature_flag_called"]], "order": 10},
        ),
    ] = []

    @model_validator(mode="after")
    def _check_event_filters(self) -> "Config":
        both = sorted(set(self.events_include) & set(self.events_exclude))
        if both:
            raise ValueError(f"events_include and events_exclude both name {', '.join(map(repr, both[:5]))}")
        return self

    @field_validator("api_key")
    @classmethod
    def _check_api_key(cls, value: SecretStr) -> SecretStr:
        key = value.get_secret_value().strip()
        if not key:
            raise ValueError("must not be empty")
        register_secret(key)
        if key.startswith("phc_"):
            raise ValueError(
                "this is a project token (phc_...), which only sends events; use a personal API key (phx_...)"
            )
        return SecretStr(key)

    @field_validator("start_date")
    @classmethod
    def _check_start_date(cls, value: str) -> str:
        start = datetime.fromisoformat(value)
        if start > datetime.now(UTC):
            raise ValueError(f"{value} is in the future; choose a date in the past")
        return value

    @field_validator("base_url")
    @classmethod
    def _check_base_url(cls, value: str) -> str:
        url = value.strip().rstrip("/")
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"must be an http(s) URL such as {US_CLOUD}, got {url!r}")
        if parts.query or parts.fragment:
            raise ValueError("must not contain a query string or fragment")
        return LEGACY_HOSTS.get(url, url)

    @property
    def start(self) -> datetime:
        """The start date as an aware UTC datetime."""
        return datetime.fromisoformat(self.start_date)

    @property
    def host(self) -> str:
        """The only host the key may ever be sent to."""
        return urlsplit(self.base_url).netloc
