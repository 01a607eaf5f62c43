"""Two syncs around late events: sync, append events stamped 1-3 days before the cursor, sync again.

Run `.venv/bin/python scripts/late_events_demo.py` after `bash scripts/demo.sh` or `scripts/setup.sh`. It starts
the emulator in this process (127.0.0.1, a free port), drives the installed `source-posthog` CLI and prints
how many of the appended late events the second sync delivered, and how many events it re-delivered.
"""

import json
import subprocess
import sys
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from posthog_emulator import Emulator, EmulatorSettings

LATE_PER_PROJECT = 40
PROJECTS = (101, 102)


def read(folder: Path, emu: Emulator, state: list[dict[str, Any]] | None) -> list[dict[str, Any]]:
    """One `read` of the events stream (incremental); its messages."""
    config = {"api_key": emu.api_key, "base_url": emu.base_url, "start_date": "2020-01-01T00:00:00Z"}
    stream = {"name": "events", "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}
    catalog = {"streams": [{"stream": stream, "sync_mode": "incremental", "destination_sync_mode": "append_dedup"}]}
    files = {"config": config, "catalog": catalog, **({"state": state} if state is not None else {})}
    args = [str(Path(sys.executable).with_name("source-posthog")), "read"]
    for name, content in files.items():
        (folder / f"{name}.json").write_text(json.dumps(content))
        args += [f"--{name}", str(folder / f"{name}.json")]
    done = subprocess.run(args, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in done.stdout.splitlines()]


def records(messages: list[dict[str, Any]]) -> list[str]:
    """The ids of the records, in delivery order (repeats kept: they are what is counted)."""
    return [m["record"]["data"]["id"] for m in messages if m["type"] == "RECORD"]


def last_state(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The state file Airbyte would hand the next sync: the last STATE, as a list."""
    return [[m["state"] for m in messages if m["type"] == "STATE"][-1]]


def append_late(emu: Emulator, state: list[dict[str, Any]]) -> list[str]:
    """LATE_PER_PROJECT events per project, stamped 1 to 3 days before its cursor, ingested now."""
    appended = []
    for project_id in PROJECTS:
        cursor = datetime.fromisoformat(state[0]["stream"]["stream_state"][str(project_id)]["timestamp"])
        step = 2 * timedelta(days=1) / LATE_PER_PROJECT
        stamps = [cursor - timedelta(days=3) + step * (i + 1) for i in range(LATE_PER_PROJECT)]
        appended += emu.append_events(project_id, [{"timestamp": stamp} for stamp in stamps])
    return appended


def main() -> None:
    """Sync, append late events, sync again; print the summary."""
    with Emulator(EmulatorSettings(seed=42, events=5_000, projects=2)) as emu, tempfile.TemporaryDirectory() as tmp:
        first = read(Path(tmp), emu, None)
        late = append_late(emu, last_state(first))
        second = read(Path(tmp), emu, last_state(first))
    delivered = set(records(second))
    again = [i for i in records(second) if i in set(records(first))]
    warnings = [m["log"]["message"] for m in second if m["type"] == "LOG" and m["log"]["level"] == "WARN"]
    print(f"first sync: {len(records(first))} events; {len(late)} late events appended (1-3 days before the cursor)")
    print(f"late events delivered / appended: {len(set(late) & delivered)} / {len(late)}")
    print(f"second sync: {len(records(second))} events, {len(again)} re-delivered (the 60-minute lookback window)")
    print(f"duplicates within the second sync: {len(records(second)) - len(delivered)}; warnings: {len(warnings)}")


if __name__ == "__main__":
    main()
