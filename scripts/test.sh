#!/usr/bin/env bash
# The whole test suite, exactly as CI runs it: set-up, lint, types, then every pytest test.
# Extra arguments go to pytest (e.g. `bash scripts/test.sh -k events`).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

status=0
.venv/bin/pytest "$@" || status=$?
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: that is a failure here." >&2
fi
exit "$status"
