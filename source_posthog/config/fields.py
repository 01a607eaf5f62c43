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
