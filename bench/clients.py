"""The clients under test, as commands: this connector, the existing one, the bare loop (and an older build).

Each reads the same emulator with the same start date; the two connectors get the same
configured catalog (all seven streams, events incremental, no state: a full backfill).
"""

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import orjson
from emulator import PYTHON, ROOT, Emulator

BENCH = ROOT / "bench"
LEGACY_VENV = BENCH / ".venv-legacy"
LEGACY_PACKAGE = "airbyte-source-posthog==1.1.28"  # the newest release on PyPI when this was written
OURS = ROOT / ".venv" / "bin" / "source-posthog"
# An earlier build of this connector to compare against in the same run (e.g. a `git worktree` of the
# previous release installed into its own venv): client "previous", command $SOURCE_POSTHOG_PREVIOUS.
PREVIOUS = os.environ.get("SOURCE_POSTHOG_PREVIOUS", "")
STREAMS = ("projects", "annotations", "cohorts", "feature_flags", "insights", "events", "persons")
CLIENTS = ("ours", "legacy", "bare")


def configured_catalog() -> dict[str, Any]:
    """All seven streams; events incremental on timestamp, the rest full refresh."""
    entries = []
    for name in STREAMS:
        incremental = name == "events"
        stream: dict[str, Any] = {
            "name": name,
            "json_schema": {"type": "object"},
            "supported_sync_modes": ["full_refresh", "incremental"] if incremental else ["full_refresh"],
            "source_defined_primary_key": [["id"]],
        }
        entry: dict[str, Any] = {
            "stream": stream,
            "sync_mode": "incremental" if incremental else "full_refresh",
            "destination_sync_mode": "append" if incremental else "overwrite",
        }
        if incremental:
            stream |= {"source_defined_cursor": True, "default_cursor_field": ["timestamp"]}
            entry["cursor_field"] = ["timestamp"]
        entries.append(entry)
    return {"streams": entries}


def ensure_legacy_venv() -> Path:
    """Install the existing connector in its own venv (its package is also named source_posthog)."""
    executable = LEGACY_VENV / "bin" / "source-posthog"
    if not executable.exists():
        print(f"installing {LEGACY_PACKAGE} into {LEGACY_VENV} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(LEGACY_VENV)], check=True)
        pip = [str(LEGACY_VENV / "bin" / "pip"), "install", "--quiet", LEGACY_PACKAGE]
        subprocess.run(pip, check=True)
    return executable


def write_inputs(workdir: Path, emulator: Emulator, start_date: str, page_size: int) -> dict[str, Path]:
    """Config files (one per connector) and the catalog, under `workdir`."""
    common = {
        "api_key": emulator.api_key,
        "start_date": start_date,
        "base_url": emulator.base_url,
        "events_time_step": 30,
    }
    files = {
        "ours_config": common | {"events_page_size": page_size},
        "legacy_config": common,
        "catalog": configured_catalog(),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = workdir / f"{name}.json"
        paths[name].write_bytes(orjson.dumps(content))
        paths[name].chmod(0o600)  # holds the (emulator's) key
    return paths


def command(client: str, inputs: dict[str, Path], profile_to: Path | None = None) -> list[str]:
    """The command line that runs `client` for one full read."""
    if client == "bare":
        return [str(PYTHON), str(BENCH / "bare_loop.py"), str(inputs["ours_config"])]
    args = ["read", "--config", "", "--catalog", str(inputs["catalog"])]
    if client == "legacy":
        args[2] = str(inputs["legacy_config"])
        return [str(ensure_legacy_venv()), *args]
    args[2] = str(inputs["ours_config"])
    if client == "previous":
        if not PREVIOUS:
            raise SystemExit("client 'previous' needs SOURCE_POSTHOG_PREVIOUS=/path/to/an/older/source-posthog")
        return [PREVIOUS, *args]
    if profile_to is not None:
        return [str(PYTHON), "-m", "cProfile", "-o", str(profile_to), "-m", "source_posthog", *args]
    return [str(OURS), *args]
