"""The building blocks of the config model: field checks, rate overrides, event-name lists, and `setting`.

`setting` gives a field its place and help in the spec in one call; the checks turn input into the form
every layer relies on (a registered secret, a past start date, an origin without the legacy host).
"""

from datetime import UTC, datetime
from typing import Annotated, Any
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from source_posthog.config.rates import parse_rates
from source_posthog.redaction import register_secret

US_CLOUD = "https://us.posthog.com"
# The legacy US host only redirects now, and HTTP clients drop Authorization on a cross-host redirect.
LEGACY_HOSTS = {"https://app.posthog.com": US_CLOUD}

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


def setting(order: int, title: str, description: str, *, examples: list[Any] | None = None, **bounds: Any) -> Any:
    """A config field's spec entry: where the form shows it, its title and help, examples, numeric bounds."""
    extra: dict[str, Any] = {"order": order} | ({"examples": examples} if examples else {})
    return Field(title=title, description=description, json_schema_extra=extra, **bounds)


def checked_api_key(value: SecretStr) -> SecretStr:
    """The key without surrounding blanks, registered for redaction; project tokens are refused."""
    key = value.get_secret_value().strip()
    if not key:
        raise ValueError("must not be empty")
    register_secret(key)
    if key.startswith("phc_"):
        raise ValueError("this is a project token (phc_...), which only sends events; use a personal API key (phx_...)")
    return SecretStr(key)


def checked_start_date(value: str) -> str:
    """A start date in the past."""
    if datetime.fromisoformat(value) > datetime.now(UTC):
        raise ValueError(f"{value} is in the future; choose a date in the past")
    return value


def checked_base_url(value: str) -> str:
    """An http(s) origin without a trailing slash; the legacy US host becomes the current one."""
    url = value.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(f"must be an http(s) URL such as {US_CLOUD}, got {url!r}")
    if parts.query or parts.fragment:
        raise ValueError("must not contain a query string or fragment")
    return LEGACY_HOSTS.get(url, url)


COLUMN_NAME = r"^[A-Za-z_$][A-Za-z0-9_$]*$"  # named again in WHERE and ORDER BY around the query: plain names only
STREAM_NAME = r"^[a-z][a-z0-9_]{0,63}$"  # a destination table name every warehouse accepts
CustomColumn = Annotated[str, Field(pattern=COLUMN_NAME, max_length=200)]


class CustomQuery(BaseModel):
    """One HogQL SELECT read as a stream of its own (streams/custom/): its rows, per project, by keyset."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, Field(description="The stream's name (lower case, digits, _).", pattern=STREAM_NAME)]
    query: Annotated[
        str,
        Field(
            description="One HogQL SELECT, as in PostHog's SQL editor, e.g. SELECT uuid, timestamp, "
            "properties.$ai_model AS model FROM events WHERE event = '$ai_generation'.",
            min_length=1,
            max_length=100_000,
        ),
    ]
    primary_key: Annotated[
        list[CustomColumn],
        Field(description="Result columns that identify a row; the stream pages in their order.", min_length=1),
    ]
    cursor_field: Annotated[
        CustomColumn | None,
        Field(description="A result column that only grows (a datetime, or an increasing number): incremental."),
    ] = None
    lookback_minutes: Annotated[
        int,
        Field(description="With a datetime cursor: how far before the saved cursor a sync re-reads.", ge=0, le=10080),
    ] = 0

    @field_validator("query")
    @classmethod
    def _one_statement(cls, value: str) -> str:
        # A trailing semicolon would end the statement inside the connector's `FROM (...)`.
        return value.strip().rstrip(";").strip()
