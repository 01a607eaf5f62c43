"""Airbyte source for PostHog: complete, exactly-once, resumable, fast."""

__version__ = "0.1.0"
