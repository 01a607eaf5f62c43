#!/usr/bin/env bash
# Usage: pinned-venv.sh VENV PACKAGE... — make VENV hold exactly these pinned packages (pip check clean).
# Idempotent: a stamp named after the package list skips the work when nothing changed.
set -euo pipefail
venv=$1
shift
stamp="$venv/.installed-$(printf '%s\n' "$@" | sha1sum | cut -c1-12)"
[ -f "$stamp" ] && exit 0
if [ ! -x "$venv/bin/python" ]; then
  "${PYTHON:-python3}" -m venv "$venv"
  "$venv/bin/python" -m pip install --quiet --upgrade pip
fi
"$venv/bin/python" -m pip install --quiet "$@"
"$venv/bin/python" -m pip check
touch "$stamp"
