"""Airbyte source for PostHog: complete, exactly-once, resumable, fast."""

# The one version: the package metadata (pyproject reads it from here), `--version`, the User-Agent, the image's
# io.airbyte.version label and metadata.yaml's dockerImageTag (unit_tests/test_version.py keeps the last
# two equal to it). 2.1.0: a minor release over the existing airbyte-source-posthog 2.0.x, no breaking change.
__version__ = "2.1.0"

# Where both protocols' `spec`/`--about` send the user for PostHog's API and its keys.
DOCS_URL = "https://posthog.com/docs/api"
