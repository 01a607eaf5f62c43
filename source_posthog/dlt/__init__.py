"""The dlt front end: `from source_posthog.dlt import posthog` (needs `pip install 'source-posthog[dlt]'`)."""

from source_posthog.dlt.source import posthog

__all__ = ["posthog"]
