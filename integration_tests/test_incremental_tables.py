"""The incremental HogQL tables through the CLI: groups on `updated_at` (an hour's lookback) and sessions on
their start (a 25-hour settle window). Two syncs with changes between them deliver the changes and little
else; a read killed at a seeded record and resumed from its last STATE loses nothing and re-reads no more
than the lookback (session recordings, the other dated incremental stream, included)."""

import random
import signal
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run, catalog_for, config_for, run_and_kill, state_file_from, write_json
from posthog_emulator import Emulator, EmulatorSettings
from source_posthog.streams.stream import TableSpec
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.streams.timestamps import parse_timestamp

PAGE = 300  # events_page_size also caps these tables' pages: several pages per project
SETTINGS: dict[str, Any] = {"events_page_size": PAGE}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """Two projects (plus the empty and one-event ones), 5,000 events, 400 groups per type, quirks on."""
    emulator = Emulator(EmulatorSettings(seed=43, events=5_000, projects=2, groups_per_type=400)).start()
    yield emulator
    emulator.stop()


def keys(run: Run, stream: str, projects: list[int]) -> dict[int, list[Any]]:
    """Per project (every one, as the emulator's truth lists them), the delivered records' keys, sorted."""
    key = [name for name in STREAMS_BY_NAME[stream].primary_key if name != "project_id"]
    out: dict[int, list[Any]] = {pid: [] for pid in projects}
    for record in run.records(stream):
        values = [record[name] for name in key]
        out[record["project_id"]].append(values[0] if len(values) == 1 else values)
    return {pid: sorted(found) for pid, found in out.items()}


def cursors(run: Run, stream: str) -> dict[int, datetime]:
    """The last STATE's cursor per project."""
    last = run.last_state(stream)
    state = last["stream"]["stream_state"] if last else {}
    field = STREAMS_BY_NAME[stream].cursor_field or ""
    return {int(pid): parse_timestamp(value[field]) for pid, value in state.items()}


def test_given_groups_touched_and_created_between_syncs_when_read_again_then_those_and_only_the_last_hour(
    emu: Emulator, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, emu)
    first = workspace.read(("groups",), **SETTINGS)
    assert first.returncode == 0, first.errors
    assert keys(first, "groups", emu.project_ids) == emu.truth("groups")
    pid = emu.project_ids[0]
    touched = emu.touch_groups(3, 2, project_id=pid)

    second = workspace.read(("groups",), state=state_file_from(first, tmp_path), **SETTINGS)

    assert second.returncode == 0, second.errors
    again = keys(second, "groups", emu.project_ids)
    assert touched
    assert all(key in again[pid] for key in touched)
    seats = {(r["group_type_index"], r["group_key"]): r["properties"]["seats"] for r in first.records("groups")}
    updated = [r for r in second.records("groups") if [r["group_type_index"], r["group_key"]] in touched[:3]]
    assert updated
    assert all(r["properties"]["seats"] == seats[(r["group_type_index"], r["group_key"])] + 1 for r in updated)
    lookback = timedelta(hours=1)
    for project, cursor in cursors(first, "groups").items():  # the rest re-read: groups of the hour before it
        recent = [r for r in first.records("groups") if r["project_id"] == project]
        recent = [r for r in recent if parse_timestamp(r["updated_at"]) >= cursor - lookback]
        assert len(again[project]) <= len(recent) + (5 if project == pid else 0)
    assert len(second.records("groups")) < len(first.records("groups")) / 10


def test_given_a_session_extended_and_a_new_one_between_syncs_when_read_again_then_both_final(
    emu: Emulator, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, emu)
    first = workspace.read(("sessions",), **SETTINGS)
    assert first.returncode == 0, first.errors
    assert keys(first, "sessions", emu.project_ids) == emu.truth("sessions")
    pid = emu.project_ids[0]
    latest = max(
        (r for r in first.records("sessions") if r["project_id"] == pid),
        key=lambda r: (parse_timestamp(r["start_timestamp"]), r["session_id"]),
    )
    end = parse_timestamp(latest["end_timestamp"])
    emu.append_events(pid, [{"timestamp": end + timedelta(minutes=5), "distinct_id": latest["distinct_id"]}])
    emu.append_events(pid, [{"timestamp": datetime.now(UTC) - timedelta(minutes=2), "distinct_id": "new-visitor"}])
    new_sessions = set(emu.truth("sessions")[pid]) - set(keys(first, "sessions", emu.project_ids)[pid])

    second = workspace.read(("sessions",), state=state_file_from(first, tmp_path), **SETTINGS)

    assert second.returncode == 0, second.errors
    got = {r["session_id"]: r for r in second.records("sessions") if r["project_id"] == pid}
    assert parse_timestamp(got[latest["session_id"]]["end_timestamp"]) == end + timedelta(minutes=5)
    assert got[latest["session_id"]]["session_duration"] == latest["session_duration"] + 300
    assert len(new_sessions) == 1
    assert new_sessions <= got.keys()
    settle = timedelta(hours=25)
    for project, cursor in cursors(first, "sessions").items():  # nothing older than the settle window
        starts = [
            parse_timestamp(r["start_timestamp"]) for r in second.records("sessions") if r["project_id"] == project
        ]
        assert min(starts, default=cursor) >= cursor - settle
    assert len(second.records("sessions")) < len(first.records("sessions")) / 10


@pytest.mark.parametrize(
    ("stream", "seed"), [("groups", 1), ("sessions", 2), ("sessions", 3), ("session_recordings", 4)]
)
def test_given_read_killed_at_a_seeded_record_when_resumed_then_nothing_lost_and_little_read_twice(
    emu: Emulator, tmp_path: Path, stream: str, seed: int
) -> None:
    total = sum(len(ids) for ids in emu.truth(stream).values())
    after = random.Random(seed).randrange(1, total)  # noqa: S311 - kill point
    config = write_json(tmp_path, "config.json", config_for(emu.base_url, emu.api_key, **SETTINGS))
    args = ["read", "--config", config, "--catalog", write_json(tmp_path, "catalog.json", catalog_for((stream,)))]
    marker = f'{{"type":"RECORD","record":{{"stream":"{stream}"'.encode()
    killed = run_and_kill(args, marker, after, tmp_path / "stderr.txt")
    assert killed.returncode == -signal.SIGKILL, f"{stream} #{after}: the read finished before the kill"

    resumed = Workspace(tmp_path, emu).read((stream,), state=state_file_from(killed, tmp_path), **SETTINGS)

    assert resumed.returncode == 0, resumed.errors
    before, after_kill = keys(killed, stream, emu.project_ids), keys(resumed, stream, emu.project_ids)
    truth = emu.truth(stream)
    union = {pid: {str(k): k for k in before[pid] + after_kill[pid]} for pid in truth}
    assert {pid: sorted(found.values()) for pid, found in union.items()} == truth
    spec = STREAMS_BY_NAME[stream].read  # a table re-reads before its cursor; recordings keep it behind
    lookback = spec.reread if isinstance(spec, TableSpec) else spec.open_for
    field = STREAMS_BY_NAME[stream].cursor_field or ""
    for pid, cursor in cursors(killed, stream).items():  # re-read: the lookback before the saved cursor
        delivered = [r for r in killed.records(stream) if r["project_id"] == pid]
        again = {str(k) for k in before[pid]} & {str(k) for k in after_kill[pid]}
        assert len(again) <= len([r for r in delivered if parse_timestamp(r[field]) >= cursor - lookback])
