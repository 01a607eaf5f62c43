#!/usr/bin/env bash
# Create .venv-meltano: Meltano and target-jsonl from PyPI, for the Singer integration tests
# (integration_tests/test_singer.py). Kept apart from .venv: Meltano pins its own ~100 packages.
# Idempotent; about 40 s the first time, nothing after. Then `meltano install` for meltano/meltano.yml,
# so the tests themselves never reach PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${SOURCE_POSTHOG_MELTANO_VENV:-.venv-meltano}
# Versions tested together; bump them together.
PACKAGES=(
  "meltano==4.4.1"
)
export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false
stamp="$VENV/.installed-$(printf '%s\n' "${PACKAGES[@]}" | sha1sum | cut -c1-12)"
if [ ! -f "$stamp" ]; then
  if [ ! -x "$VENV/bin/python" ]; then
    "$PYTHON" -m venv "$VENV"
    "$VENV/bin/python" -m pip install --quiet --upgrade pip
  fi
  "$VENV/bin/python" -m pip install --quiet "${PACKAGES[@]}"
  "$VENV/bin/python" -m pip check
  touch "$stamp"
fi
