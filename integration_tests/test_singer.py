"""tap-posthog, the Singer face of the same connector, driven as Singer tools and Meltano run it.

- Both protocols deliver the same records for the same data (one code path, two writers).
- A Singer state saved by a killed run resumes it with the Airbyte mode's guarantees (at most one page again).
- An Airbyte state converted by `python -m source_posthog.singer.state from-airbyte` resumes the tap, late
  events inside the lookback included, and, set with `meltano state set`, a Meltano run (new events only).
- `meltano run tap-posthog target-jsonl` with meltano/meltano.yml (installed by scripts/meltano-setup.sh) delivers
  every record of every selected stream, and its second run, from Meltano's own state, is incremental.
"""

import json
import os
import signal
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import (
    ALL_STREAMS,
    CURSORS,
    ORIGINAL_STREAMS,
    config_for,
    run_and_kill,
    state_file_from,
    write_json,
)
from integration_tests.reliability import read
from posthog_emulator import Emulator, EmulatorSettings
from source_posthog.streams.table import STREAMS_BY_NAME

REPO = Path(__file__).resolve().parent.parent
MELTANO_VENV = Path(os.environ.get("SOURCE_POSTHOG_MELTANO_VENV", REPO / ".venv-meltano"))
CHECK_VENV = Path(os.environ.get("SOURCE_POSTHOG_SINGER_CHECK_VENV", REPO / ".venv-singer-check"))
# singer-python reads the catalog as Singer tools do; every selected stream's metadata must map back to it.
READ_CATALOG = """
import json, sys
from singer import metadata
from singer.catalog import Catalog
catalog = Catalog.from_dict(json.load(sys.stdin))
for entry in catalog.streams:
    top = metadata.to_map(entry.metadata)[()]
    assert entry.tap_stream_id == entry.stream and entry.key_properties == top["table-key-properties"], entry.stream
    assert top["forced-replication-method"] in ("INCREMENTAL", "FULL_TABLE"), entry.stream
print(len(list(catalog.get_selected_streams({}))), "selected of", len(catalog.streams))
"""
PAGE = 500
SINGER_TYPES = {"SCHEMA", "RECORD", "STATE"}


def tap_command() -> list[str]:
    """The installed `tap-posthog` beside this interpreter, else `python -m source_posthog.singer`."""
    script = Path(sys.executable).with_name("tap-posthog")
    return [str(script)] if script.exists() else [sys.executable, "-m", "source_posthog.singer"]


class TapRun:
    """One tap run: its exit code, stderr, and stdout parsed as Singer messages (nothing else allowed)."""

    def __init__(self, returncode: int, stdout: str, stderr: str) -> None:
        self.returncode, self.stdout, self.stderr = returncode, stdout, stderr
        self.messages = [json.loads(line) for line in stdout.splitlines()]
        assert all(m.get("type") in SINGER_TYPES for m in self.messages), "stdout holds a non-Singer line"

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [m["record"] for m in self.messages if m["type"] == "RECORD" and m["stream"] == stream]

    def bookmarks(self) -> dict[str, Any]:
        states = [m["value"] for m in self.messages if m["type"] == "STATE"]
        return dict(states[-1]) if states else {}


def run_tap(args: list[str]) -> TapRun:
    done = subprocess.run([*tap_command(), *args], capture_output=True, text=True, timeout=300, check=False)
    return TapRun(done.returncode, done.stdout, done.stderr)


def singer_catalog(folder: Path, streams: tuple[str, ...], config: str) -> str:
    """The discovered catalog with exactly `streams` selected."""
    discovered = subprocess.run(
        [*tap_command(), "--config", config, "--discover"], capture_output=True, text=True, timeout=60, check=True
    )
    catalog = json.loads(discovered.stdout)
    for entry in catalog["streams"]:
        entry["metadata"][0]["metadata"]["selected"] = entry["tap_stream_id"] in streams
    return write_json(folder, "singer_catalog.json", catalog)


def keys(stream: str, records: list[dict[str, Any]]) -> Counter[tuple[Any, ...]]:
    key = STREAMS_BY_NAME[stream].primary_key
    return Counter(tuple(record[part] for part in key) for record in records)


def test_given_same_data_when_read_by_airbyte_and_singer_then_same_records(workspace: Workspace) -> None:
    airbyte = workspace.read(ALL_STREAMS)
    assert airbyte.returncode == 0, airbyte.errors
    config = workspace.config()
    singer = run_tap(["--config", config, "--catalog", singer_catalog(workspace.folder, ALL_STREAMS, config)])
    assert singer.returncode == 0, singer.stderr

    for stream in ALL_STREAMS:
        assert keys(stream, singer.records(stream)) == keys(stream, airbyte.records(stream)), stream
    assert sum(len(singer.records(s)) for s in ALL_STREAMS) > 20_000
    schemas = [m["stream"] for m in singer.messages if m["type"] == "SCHEMA"]
    assert schemas == list(ALL_STREAMS)
    assert all("time_extracted" in m for m in singer.messages if m["type"] == "RECORD")
    assert set(singer.bookmarks()["bookmarks"]) == set(CURSORS)  # every incremental stream
    assert "INFO Sync finished" in singer.stderr
    if (CHECK_VENV / "bin" / "singer-check-tap").exists():  # installed by scripts/meltano-setup.sh
        checked = subprocess.run(
            [str(CHECK_VENV / "bin" / "singer-check-tap")],
            input=singer.stdout,
            capture_output=True,
            text=True,
            check=False,
        )
        assert checked.returncode == 0, checked.stdout[-2000:] + checked.stderr[-2000:]
        assert "The output is valid." in checked.stdout
        discovered = subprocess.run([*tap_command(), "--config", config, "--discover"], capture_output=True, check=True)
        catalog = subprocess.run(
            [str(CHECK_VENV / "bin" / "python"), "-c", READ_CATALOG],
            input=discovered.stdout,
            capture_output=True,
            check=False,
        )
        expected = f"{len(ORIGINAL_STREAMS)} selected of {len(ALL_STREAMS)}\n".encode()
        assert catalog.stdout == expected, catalog.stderr.decode()[-2000:]


def test_given_unselected_streams_when_synced_then_not_read(workspace: Workspace, emulator: Emulator) -> None:
    config = workspace.config()
    emulator.clear_requests()
    run = run_tap(["--config", config, "--properties", singer_catalog(workspace.folder, ("cohorts",), config)])
    assert run.returncode == 0, run.stderr
    assert {m["stream"] for m in run.messages if m["type"] != "STATE"} == {"cohorts"}
    assert run.messages[-1] == {"type": "STATE", "value": {"bookmarks": {}}}
    assert not any("/persons" in entry["path"] or "/query" in entry["path"] for entry in emulator.requests)


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    emulator = Emulator(EmulatorSettings(seed=41, events=5_000, projects=2)).start()
    yield emulator
    emulator.stop()


def test_given_tap_killed_when_resumed_from_its_bookmarks_then_every_event_once(emu: Emulator, tmp_path: Path) -> None:
    overrides = {"events_time_step": 91, "events_page_size": PAGE, "events_lookback_minutes": 0}
    config = write_json(tmp_path, "config.json", config_for(emu.base_url, emu.api_key, **overrides))
    catalog = singer_catalog(tmp_path, ("projects", "events"), config)
    args = ["--config", config, "--catalog", catalog]
    killed_run = run_and_kill(
        args, b'{"type":"RECORD","stream":"events"', 2_345, tmp_path / "stderr.txt", tap_command()
    )
    assert killed_run.returncode == -signal.SIGKILL
    killed = TapRun(killed_run.returncode, killed_run.stdout, killed_run.stderr)
    assert killed.bookmarks(), "no STATE before the kill"

    resumed = run_tap([*args, "--state", write_json(tmp_path, "state.json", killed.bookmarks())])

    assert resumed.returncode == 0, resumed.stderr
    delivered = Counter(r["id"] for run in (killed, resumed) for r in run.records("events"))
    assert set(delivered) == set(emu.truth("events", unique=True))
    assert sum(delivered.values()) - len(delivered) <= PAGE  # at most the page in flight at the kill
    assert len(resumed.records("events")) < len(emu.truth("events", unique=True))
    assert emu.api_key not in killed.stderr + resumed.stderr + killed.stdout + resumed.stdout


def test_given_airbyte_state_when_converted_then_tap_resumes_with_late_events(tmp_path: Path) -> None:
    with Emulator(EmulatorSettings(seed=5, events=2_000, projects=2)) as emu:
        workspace = Workspace(tmp_path, emu)
        first = workspace.read(("events",), events_lookback_minutes=180)
        assert first.returncode == 0, first.errors
        airbyte_state = write_json(tmp_path, "airbyte_state.json", [first.last_state()])
        cursor = datetime.fromisoformat(first.last_state()["stream"]["stream_state"]["101"]["timestamp"])  # type: ignore[index]
        new = emu.append_events(101, [{"timestamp": datetime.now(UTC) - timedelta(seconds=1)}])
        late = emu.append_events(102, [{"timestamp": cursor - timedelta(minutes=30)}])  # inside the lookback
        late += emu.append_events(102, [{"timestamp": cursor - timedelta(hours=6)}])  # found by the sweep
        too_old = emu.append_events(102, [{"timestamp": cursor - timedelta(days=5)}])  # past late_events_days

        converted = subprocess.run(
            [sys.executable, "-m", "source_posthog.singer.state", "from-airbyte", airbyte_state],
            capture_output=True,
            text=True,
            check=True,
        )
        state = json.loads(converted.stdout)
        assert state == {"bookmarks": {"events": first.last_state()["stream"]["stream_state"]}}  # type: ignore[index]
        config = workspace.config(events_lookback_minutes=180)
        catalog = singer_catalog(tmp_path, ("events",), config)
        resumed = run_tap(["--config", config, "--catalog", catalog, "--state", write_json(tmp_path, "s.json", state)])

        assert resumed.returncode == 0, resumed.stderr
        again = {r["id"] for r in resumed.records("events")}
        assert set(new + late) <= again
        assert not set(too_old) & again
        assert len(again) < len(first.records("events"))
        assert all(
            datetime.fromisoformat(r["timestamp"]) >= cursor - timedelta(minutes=180)
            for r in resumed.records("events")
            if r["id"] not in new + late
        )


def meltano_env(emu: Emulator, folder: Path, output: Path) -> dict[str, str]:
    """Meltano with its installed plugins, a state database of its own, telemetry off, the emulator as PostHog."""
    return {
        **os.environ,
        "MELTANO_SEND_ANONYMOUS_USAGE_STATS": "false",
        "MELTANO_SYS_DIR_ROOT": str(MELTANO_VENV / "project"),
        "MELTANO_DATABASE_URI": f"sqlite:///{folder / 'meltano.db'}",
        "TAP_POSTHOG_API_KEY": emu.api_key,
        "TAP_POSTHOG_BASE_URL": emu.base_url,
        "TAP_POSTHOG_START_DATE": "2020-01-01T00:00:00Z",
        "TARGET_JSONL_DESTINATION_PATH": str(output),
    }


def meltano(args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = [str(MELTANO_VENV / "bin" / "meltano"), *args]
    return subprocess.run(
        command, cwd=REPO / "meltano", env=env, capture_output=True, text=True, timeout=300, check=False
    )


def jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.mark.skipif(
    not (MELTANO_VENV / "project" / "extractors" / "tap-posthog").is_dir(),
    reason="Meltano and its plugins are not installed: run scripts/meltano-setup.sh (needs PyPI)",
)
def test_given_meltano_project_when_run_twice_then_complete_then_incremental(emu: Emulator, tmp_path: Path) -> None:
    first_out, second_out = tmp_path / "first", tmp_path / "second"
    first_out.mkdir()
    second_out.mkdir()
    first = meltano(["run", "tap-posthog", "target-jsonl"], meltano_env(emu, tmp_path, first_out))
    assert first.returncode == 0, first.stderr[-3000:]

    for stream in ORIGINAL_STREAMS:  # meltano.yml selects the existing connector's seven streams
        delivered = Counter(record["id"] for record in jsonl(first_out / f"{stream}.jsonl"))
        assert set(delivered) == set(emu.truth(stream, unique=True)), stream
        assert max(delivered.values()) == 1, stream
    assert not (first_out / "dashboards.jsonl").exists()
    state = meltano(["state", "get", "dev:tap-posthog-to-target-jsonl"], meltano_env(emu, tmp_path, first_out))
    assert "events" in json.loads(state.stdout)["singer_state"]["bookmarks"], state.stderr[-2000:]

    new = emu.append_events(101, [{"timestamp": datetime.now(UTC)}])
    second = meltano(["run", "tap-posthog", "target-jsonl"], meltano_env(emu, tmp_path, second_out))
    assert second.returncode == 0, second.stderr[-3000:]
    again = [record["id"] for record in jsonl(second_out / "events.jsonl")]
    assert set(new) <= set(again)
    assert len(again) < len(emu.truth("events", unique=True)) // 10  # only the lookback hour and what is new
    assert emu.api_key not in first.stdout + first.stderr + second.stdout + second.stderr
    assert_no_leak_hosts(emu)


@pytest.mark.skipif(
    not (MELTANO_VENV / "project" / "extractors" / "tap-posthog").is_dir(),
    reason="Meltano and its plugins are not installed: run scripts/meltano-setup.sh (needs PyPI)",
)
def test_given_airbyte_state_set_in_meltano_when_run_then_only_new_events(emu: Emulator, tmp_path: Path) -> None:
    airbyte = read(emu, tmp_path, ("events",), events_lookback_minutes=0)
    assert airbyte.returncode == 0, airbyte.errors
    new = emu.append_events(102, [{"timestamp": datetime.now(UTC)}, {"timestamp": datetime.now(UTC)}])
    converted = subprocess.run(
        [
            sys.executable,
            "-m",
            "source_posthog.singer.state",
            "from-airbyte",
            "--meltano",
            state_file_from(airbyte, tmp_path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    # No lookback and no late-events sweep: exactly what the converted cursor has not seen comes.
    no_rereads = {"TAP_POSTHOG_EVENTS_LOOKBACK_MINUTES": "0", "TAP_POSTHOG_LATE_EVENTS_DAYS": "0"}
    env = {**meltano_env(emu, tmp_path, tmp_path / "out"), **no_rereads}
    state_set = meltano(["state", "set", "--force", "dev:tap-posthog-to-target-jsonl", converted.stdout], env)
    assert state_set.returncode == 0, state_set.stderr[-2000:]

    run = meltano(["run", "tap-posthog", "target-jsonl"], env)

    assert run.returncode == 0, run.stderr[-3000:]
    assert sorted(record["id"] for record in jsonl(tmp_path / "out" / "events.jsonl")) == sorted(new)
    assert len(jsonl(tmp_path / "out" / "persons.jsonl")) == len(emu.truth("persons", unique=True))


def assert_no_leak_hosts(emu: Emulator) -> None:
    host = emu.base_url.split("://", 1)[1]
    assert {entry["host"] for entry in emu.requests} <= {host}
