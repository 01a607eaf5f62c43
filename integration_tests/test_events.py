"""Events against the emulator with its quirks on, checked against its ground truth (`emu.truth`)."""

import os
import random
import signal
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run, catalog_for, run_and_kill, state_file_from, write_json
from posthog_emulator import Emulator, EmulatorSettings

EVENTS = ("events",)


def event_ids(run: Run) -> dict[int, list[str]]:
    """Delivered ids per project, in delivery order."""
    delivered: dict[int, list[str]] = {}
    for record in run.records("events"):
        delivered.setdefault(record["project_id"], []).append(record["id"])
    return delivered


def assert_exactly_once(delivered: dict[int, list[str]], truth: dict[int, list[str]]) -> None:
    for project_id, expected in truth.items():
        got = delivered.get(project_id, [])
        duplicates = [i for i, n in Counter(got).items() if n > 1]
        missing = set(expected) - set(got)
        summary = f"project {project_id}: {len(got)} delivered / {len(expected)} expected"
        assert not missing, f"{summary}, {len(missing)} missing"
        assert not duplicates, f"{summary}, {len(duplicates)} duplicated"
    assert set(delivered) <= set(truth)


@pytest.fixture
def tie_emulator() -> Iterator[Emulator]:
    """Two projects, one 2,500-event tie block, every quirk on, /query/ datetimes in the project timezone,
    and a query failing twice (HTTP 500, then a truncated body) before a retry succeeds."""
    emu = Emulator(EmulatorSettings(seed=11, events=6_000, projects=2, tie_blocks=(2_500,))).start()
    emu.configure(
        quirks={"query_ignore_tz_modifier": True},
        faults={"queue": ["500", "truncated", "reset"], "path_contains": "/query"},
    )
    yield emu
    emu.stop()


def test_given_tie_block_bigger_than_a_page_when_read_then_exactly_once(tie_emulator: Emulator, tmp_path: Path) -> None:
    (biggest,) = tie_emulator.tie_blocks(101, min_size=1000)
    assert biggest[1] == 2_500
    run = Workspace(tmp_path, tie_emulator).read(EVENTS, events_page_size=1000, events_time_step=7)
    assert run.returncode == 0, run.stderr
    assert_exactly_once(event_ids(run), tie_emulator.truth("events"))
    assert sum("Retrying POST" in log for log in run.logs) >= 2, run.logs  # the faults did happen
    assert all(r["timestamp"][-6:] == "+00:00" and len(r["timestamp"]) == 32 for r in run.records("events"))


def test_given_start_date_newer_than_all_data_when_read_then_nothing_and_state_at_upper(
    workspace: Workspace,
) -> None:
    start = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    run = workspace.read(EVENTS, start_date=start)
    assert run.returncode == 0, run.stderr
    assert run.records("events") == []
    final = run.last_state()
    assert final is not None
    for entry in final["stream"]["stream_state"].values():
        assert "uuid" not in entry
        assert entry["timestamp"] >= start.replace("Z", "")


def test_given_two_syncs_with_new_tied_and_backdated_events_when_read_then_nothing_lost(tmp_path: Path) -> None:
    with Emulator(EmulatorSettings(seed=5, events=5_000, projects=2)) as emu:
        workspace = Workspace(tmp_path, emu)
        recent = datetime.now(UTC) - timedelta(minutes=5)  # a delivered event inside the lookback window
        emu.append_events(101, [{"timestamp": recent}])
        first = workspace.read(EVENTS, events_lookback_minutes=180)
        assert first.returncode == 0, first.stderr
        first_state = first.last_state()
        assert first_state is not None
        cursor = datetime.fromisoformat(first_state["stream"]["stream_state"]["101"]["timestamp"])
        new = emu.append_events(101, [{"timestamp": datetime.now(UTC) - timedelta(seconds=1)}])
        tied = emu.append_tie_block(101, recent, 3) + emu.append_tie_block(101, cursor, 2)
        backdated = emu.append_events(102, [{"timestamp": cursor - timedelta(minutes=30)}])
        swept = emu.append_events(102, [{"timestamp": cursor - timedelta(hours=6)}])  # before the lookback window
        too_old = emu.append_events(102, [{"timestamp": cursor - timedelta(days=5)}])  # before late_events_days
        second = workspace.read(EVENTS, state=state_file_from(first, tmp_path), events_lookback_minutes=180)
        assert second.returncode == 0, second.stderr
        again = {i for ids in event_ids(second).values() for i in ids}
        assert set(new + tied + backdated + swept) <= again
        assert not set(too_old) & again
        assert any("Project 102: 1 event(s)" in log and "late-events window" in log for log in second.logs)
        combined = {p: event_ids(first).get(p, []) + event_ids(second).get(p, []) for p in emu.truth("events")}
        truth = emu.truth("events")
        truth[102] = [i for i in truth[102] if i not in too_old]
        assert_exactly_once({p: sorted(set(ids)) for p, ids in combined.items()}, truth)
        seen_first = {i for ids in event_ids(first).values() for i in ids}
        redelivered = [r for r in second.records("events") if r["id"] in seen_first]
        assert redelivered  # the lookback re-read some: else the bound below is never tested
        assert all(datetime.fromisoformat(r["timestamp"]) >= cursor - timedelta(minutes=180) for r in redelivered)


def test_given_existing_connector_state_when_read_then_continues_without_resync(
    workspace: Workspace, emulator: Emulator, tmp_path: Path
) -> None:
    cut = datetime.now(UTC) - timedelta(days=20)
    per_project = cut.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")
    flat = cut.strftime("%Y-%m-%dT%H:%M:%S+00:00")  # the older single-cursor form, for the other projects
    state = [{"type": "LEGACY", "data": {"events": {"101": {"timestamp": per_project}, "timestamp": flat}}}]
    run = workspace.read(EVENTS, state=write_json(tmp_path, "old_state.json", state), events_lookback_minutes=0)
    assert run.returncode == 0, run.stderr
    full = workspace.read(EVENTS)
    starts = {p: cut if p == 101 else cut.replace(microsecond=0) for p in emulator.truth("events")}
    expected: dict[int, list[str]] = {p: [] for p in starts}
    for record in full.records("events"):
        if datetime.fromisoformat(record["timestamp"]) >= starts[record["project_id"]]:
            expected[record["project_id"]].append(record["id"])
    assert 0 < len(run.records("events")) < len(full.records("events"))
    assert_exactly_once(event_ids(run), expected)
    assert sum(len(ids) for ids in event_ids(run).values()) == sum(len(ids) for ids in expected.values())


def test_given_read_killed_at_random_point_when_resumed_from_last_state_then_nothing_lost(tmp_path: Path) -> None:
    seed = int.from_bytes(os.urandom(4), "big")
    page = 500
    with Emulator(EmulatorSettings(seed=9, events=20_000, projects=3)) as emu:
        workspace = Workspace(tmp_path, emu)
        killed_after = random.Random(seed).randrange(1, 19_000)  # noqa: S311 - a test's kill point
        first = read_and_kill(workspace, killed_after, events_page_size=page)
        assert first.returncode == -signal.SIGKILL, f"seed {seed}: the read finished before the kill"
        second = workspace.read(EVENTS, state=state_file_from(first, tmp_path), events_page_size=page)
        assert second.returncode == 0, second.stderr
        delivered = {p: event_ids(first).get(p, []) + ids for p, ids in event_ids(second).items()}
        for p, ids in event_ids(first).items():
            delivered.setdefault(p, ids)
        total = sum(len(ids) for ids in delivered.values())
        unique = sum(len(set(ids)) for ids in delivered.values())
        assert total - unique <= page, f"seed {seed}, killed after {killed_after}: {total - unique} re-delivered"
        assert_exactly_once({p: sorted(set(ids)) for p, ids in delivered.items()}, emu.truth("events"))


def read_and_kill(workspace: Workspace, after_records: int, **config: Any) -> Run:
    """Start a read, SIGKILL it once `after_records` records were seen, keep everything it wrote."""
    catalog = write_json(workspace.folder, "catalog.json", catalog_for(EVENTS))
    args = ["read", "--config", workspace.config(**config), "--catalog", catalog]
    return run_and_kill(args, b'{"type":"RECORD"', after_records, workspace.folder / "stderr.txt")
