"""Where and as whom the connector reads: the three fields of the original airbyte-source-posthog spec.

Kept apart from the tuning settings in `config/model.py` because every front end needs these first (the host
and key decide which requests may be sent at all) and their names and formats are frozen by saved configs.
"""

from datetime import datetime
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, SecretStr

from source_posthog.config.fields import US_CLOUD, checked_api_key, checked_base_url, checked_start_date

START_DATE_PATTERN = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}Z$"


class Connection(BaseModel):
    """The PostHog host, the personal API key and the start date; see README "Configuration"."""

    model_config = ConfigDict(extra="ignore", frozen=True, title="PostHog Spec")

    api_key: Annotated[
        SecretStr,
        Field(
            title="API Key",
            description="A PostHog personal API key (phx_...), created under Settings → Personal API keys, "
            "with read access to the streams you sync.",
            json_schema_extra={"airbyte_secret": True, "order": 0, "type": "string"},
        ),
        AfterValidator(checked_api_key),
    ]
    start_date: Annotated[
        str,
        Field(
            title="Start Date",
            description="UTC date and time from which to replicate events, e.g. 2024-01-01T00:00:00Z.",
            pattern=START_DATE_PATTERN,
            json_schema_extra={"examples": ["2024-01-01T00:00:00Z"], "format": "date-time", "order": 1},
        ),
        AfterValidator(checked_start_date),
    ]
    base_url: Annotated[
        str,
        Field(
            title="Base URL",
            description="PostHog host: https://us.posthog.com (US Cloud), https://eu.posthog.com (EU Cloud) or "
            "your self-hosted origin. The legacy https://app.posthog.com is read as US Cloud.",
            json_schema_extra={"examples": ["https://eu.posthog.com", "https://posthog.example.com"], "order": 2},
        ),
        AfterValidator(checked_base_url),
    ] = US_CLOUD

    @property
    def start(self) -> datetime:
        """The start date as an aware UTC datetime."""
        return datetime.fromisoformat(self.start_date)
