#!/usr/bin/env bash
# Create .venv-meltano: Meltano from PyPI, then `meltano install` of meltano/meltano.yml (tap-posthog from this
# checkout, target-jsonl from PyPI, each in its own venv: target-jsonl's pins conflict with Meltano's) and
# singer-tools, for integration_tests/test_singer.py, which thus never reaches PyPI. Idempotent: ~20 s the first
# time, then nothing.
set -euo pipefail
cd "$(dirname "$0")/.."

VENV=${SOURCE_POSTHOG_MELTANO_VENV:-.venv-meltano}
# Versions tested together; bump them together.
PACKAGES=(
  "meltano==4.4.1"
)
# Singer's own checker (singer-check-tap: messages parsed by singer-python, records validated against their
# SCHEMA) in a venv of its own: it pins jsonschema 2.6.
CHECK_VENV=${SOURCE_POSTHOG_SINGER_CHECK_VENV:-.venv-singer-check}
CHECK_PACKAGES=("singer-tools==0.4.1" "singer-python==6.8.0")
export MELTANO_SEND_ANONYMOUS_USAGE_STATS=false
bash scripts/pinned-venv.sh "$VENV" "${PACKAGES[@]}"
bash scripts/pinned-venv.sh "$CHECK_VENV" "${CHECK_PACKAGES[@]}"

# The plugins of meltano/meltano.yml (this checkout, editable, as tap-posthog; target-jsonl from PyPI), installed
# once into the Meltano system folder the tests use; each test keeps its own state database.
VENV=$(realpath "$VENV")
export MELTANO_SYS_DIR_ROOT="$VENV/project"
project_stamp="$MELTANO_SYS_DIR_ROOT/.installed-$(cat meltano/meltano.yml pyproject.toml | sha1sum | cut -c1-12)"
if [ ! -f "$project_stamp" ]; then
  (cd meltano && "$VENV/bin/meltano" --log-level=warning install >/dev/null)
  touch "$project_stamp"
fi
