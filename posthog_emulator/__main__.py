"""`python -m posthog_emulator`: serve until SIGINT/SIGTERM; one JSON line on stdout when ready."""

from __future__ import annotations

import argparse
import dataclasses
import gc
import signal
import sys
import threading
import time
from datetime import datetime
from pathlib import Path

import orjson

from posthog_emulator.config.limit_settings import Limits, QueryCost
from posthog_emulator.config.settings import FAULT_KINDS, PROFILES, EmulatorSettings, Faults, Quirks
from posthog_emulator.config.weights import Weights
from posthog_emulator.emulator import Emulator


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The CLI of DESIGN.md plus a few extras (end anchor, faults)."""
    p = argparse.ArgumentParser(prog="python -m posthog_emulator", description=__doc__)
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8010, help="0 picks a free port")
    p.add_argument("--seed", type=int, default=42)
    p.add_argument("--events", type=int, default=20_000, help="total events over all projects")
    p.add_argument("--projects", type=int, default=3, help="regular projects (plus 2 edge projects)")
    p.add_argument("--persons-per-project", type=int, default=300, help="persons in each regular project")
    p.add_argument("--groups-per-type", type=int, help="groups of each type per project (default: 40 and 25)")
    p.add_argument("--no-edge-projects", action="store_true", help="omit the 0-event and 1-event projects")
    p.add_argument("--span-days", type=int, default=400, help="events spread over this many days before the end")
    p.add_argument("--end", help="anchor 'now' (ISO); default: the current UTC hour")
    p.add_argument("--profile", choices=sorted(PROFILES), default="cloud", help="kind of instance (default cloud)")
    p.add_argument("--no-quirks", action="store_true", help="an ideal API: every quirk off")
    p.add_argument("--no-query-api", action="store_true", help="POST /query/ answers 404, as on old instances")
    p.add_argument("--real-limits", action="store_true", help="PostHog's real rate limits and 30 s query queue")
    p.add_argument("--limits-scale", type=float, help="rate limits on, bucket sizes multiplied by X")
    p.add_argument("--old-instance", action="store_true", help="/query/ rejects `modifiers` (400), cells in project tz")
    p.add_argument("--duplicate-rows", type=float, default=0.0, help="fraction of events stored twice")
    p.add_argument("--real-cost", action="store_true", help="simulated query time like PostHog Cloud, 10 s limit")
    p.add_argument("--time-scale", type=float, default=1.0, help="multiplies --real-cost times and the query queue")
    p.add_argument("--cost-row-scale", type=float, default=1.0, help="--real-cost: each event stands for X rows")
    p.add_argument("--fault-rate", type=float, default=0.0, help="probability of a seeded fault per request")
    p.add_argument("--fault-kinds", default=",".join(FAULT_KINDS), help="comma-separated fault kinds")
    p.add_argument("--realistic-weights", action="store_true", help="2-4 KB events with ~100 properties each")
    p.add_argument("--heavy-events", type=float, default=0.0, help="fraction of $ai_generation/$exception events")
    p.add_argument("--heavy-kb", default="50,300", help="their size in KB: LOW,HIGH or one fixed size")
    p.add_argument("--person-kb", type=int, default=0, help="extra KB of properties on every person")
    p.add_argument("--slim-persons", action="store_true", help="one property per person, less memory (10M persons)")
    p.add_argument("--ready-file", type=Path, help="also write the ready JSON line to this file")
    return p.parse_args(argv)


def settings_from(args: argparse.Namespace) -> EmulatorSettings:
    """Turn flags into EmulatorSettings."""
    faults = Faults(rate=args.fault_rate, kinds=tuple(k for k in args.fault_kinds.split(",") if k), seed=args.seed)
    end = datetime.fromisoformat(args.end.replace("Z", "+00:00")) if args.end else None
    return EmulatorSettings(
        seed=args.seed,
        events=args.events,
        projects=args.projects,
        persons_per_project=args.persons_per_project,
        groups_per_type=args.groups_per_type,
        edge_projects=not args.no_edge_projects,
        span_days=args.span_days,
        end=end,
        host=args.host,
        port=args.port,
        quirks=_quirks_from(args),
        faults=faults,
        limits=_limits_from(args),
        profile=args.profile,
        weights=_weights_from(args),
    )


def _weights_from(args: argparse.Namespace) -> Weights:
    """--realistic-weights, --heavy-events F, --heavy-kb LOW[,HIGH], --person-kb N (issue 23), --slim-persons."""
    sizes = [int(size) for size in args.heavy_kb.split(",")]
    low, high = sizes[0], sizes[-1]
    return Weights(args.realistic_weights, args.heavy_events, (low, high), args.person_kb, args.slim_persons)


def _quirks_from(args: argparse.Namespace) -> Quirks:
    return dataclasses.replace(
        Quirks.ideal() if args.no_quirks else Quirks(),
        query_api_available=not args.no_query_api,
        query_rejects_unknown_fields=args.old_instance,
        duplicate_rows=args.duplicate_rows,
    )


def _limits_from(args: argparse.Namespace) -> Limits:
    """--limits-scale implies limits on; --time-scale shrinks the 30 s queue and the --real-cost times."""
    limits = Limits()
    if args.real_limits:
        limits = Limits(enabled=True, query_queue_s=30.0 * args.time_scale)
    if args.limits_scale is not None:
        limits = Limits(enabled=True, scale=args.limits_scale, query_queue_s=limits.query_queue_s)
    if args.real_cost:
        limits = dataclasses.replace(limits, query_cost=QueryCost.real(args.time_scale, args.cost_row_scale))
    return limits


def main(argv: list[str] | None = None) -> int:
    """Start, announce readiness on stdout (and --ready-file), serve until signalled."""
    args = parse_args(argv)
    started = time.monotonic()
    emu = Emulator(settings_from(args)).start()
    # The seeded data lives as long as the process: keep the cyclic GC from walking its millions of objects on
    # every collection (at 1M persons, seconds per request), and the indexes built later too (Runtime.settle).
    # Only here: an in-process emulator leaves GC alone.
    gc.freeze()
    emu.app.rt.settle = gc.freeze
    ready = {
        "base_url": emu.base_url,
        "api_key": emu.api_key,
        "admin": emu.admin_url,
        "keys": emu.keys,
        "project_ids": emu.project_ids,
        "startup_s": round(time.monotonic() - started, 2),
    }
    line = orjson.dumps(ready).decode()
    if args.ready_file:
        args.ready_file.write_text(line + "\n")
    sys.stdout.write(line + "\n")
    sys.stdout.flush()
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    stop.wait()
    emu.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
