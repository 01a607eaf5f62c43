#!/usr/bin/env bash
# Create .venv and install the connector with its development tools. Idempotent: a second run only
# re-checks. Needs nothing but python3 (>= 3.11) and access to PyPI.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
  .venv/bin/python -m pip install --quiet --upgrade pip
fi
stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
if [ ! -f "$stamp" ]; then
  .venv/bin/python -m pip install --quiet --editable ".[dev,dlt]"  # dlt: the dlt front end and its tests
  touch "$stamp"
fi
