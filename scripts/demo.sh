#!/usr/bin/env bash
# Quick start: install, start the PostHog emulator with sample data on 127.0.0.1, run the connector's
# spec, check, discover and read against it, and print what was delivered against what exists.
# Everything it writes goes to demo-output/. An optional argument picks the kind of PostHog the emulator plays:
# cloud (default), foss (self-hosted without EE) or old (self-hosted from before mid-2024: 10,000-row queries).
set -euo pipefail
profile=${1:-cloud}
case "$profile" in cloud|foss|old) ;; *) echo "usage: bash scripts/demo.sh [cloud|foss|old]" >&2; exit 2;; esac
cd "$(dirname "$0")/.."

bash scripts/setup.sh
out=demo-output
rm -rf "$out" && mkdir -p "$out"

.venv/bin/python -m posthog_emulator --profile "$profile" --port 0 --ready-file "$out/emulator.json" >"$out/emulator.log" 2>&1 &
emulator_pid=$!
trap 'kill "$emulator_pid" 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do [ -s "$out/emulator.json" ] && break; sleep 0.1; done
[ -s "$out/emulator.json" ] || { echo "The emulator did not start; see $out/emulator.log" >&2; exit 1; }

.venv/bin/python scripts/demo_files.py "$out"
cli=.venv/bin/source-posthog
echo "== spec";     $cli spec | .venv/bin/python scripts/demo_summary.py brief
echo "== check";    $cli check --config "$out/config.json" | .venv/bin/python scripts/demo_summary.py brief
echo "== discover"; $cli discover --config "$out/config.json" | .venv/bin/python scripts/demo_summary.py brief
echo "== read (every stream, emulator profile $profile)"
start=$(date +%s.%N)
$cli read --config "$out/config.json" --catalog "$out/catalog.json" >"$out/read.jsonl"
end=$(date +%s.%N)
.venv/bin/python scripts/demo_summary.py read "$out/read.jsonl" "$out/emulator.json" "$start" "$end"
echo "Output, config and catalog are in $out/."
