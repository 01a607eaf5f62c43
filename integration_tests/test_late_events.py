"""Late events through the CLI: what is ingested after a sync with old timestamps is delivered by the next one.

Each test syncs, appends events on the emulator (their `created_at` is the append time), syncs again from the
first sync's STATE and compares with the emulator's truth. Re-delivery is counted against the bound the
README states: the lookback window, plus the events a previous attempt delivered that the sweep finds again.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run, catalog_for, run_and_kill, run_connector, state_file_from, write_json
from integration_tests.test_events import EVENTS, assert_exactly_once, event_ids
from posthog_emulator import Emulator, EmulatorSettings, Quirks

LOOKBACK = timedelta(minutes=60)  # events_lookback_minutes' default
DAY = timedelta(days=1)


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """Projects 101 (UTC, newest event hours ago: a quiet project) and 102 (America/New_York), ~3,000 events."""
    with Emulator(EmulatorSettings(seed=23, events=3_000, projects=2)) as emulator:
        yield emulator


def cursor_of(run: Run, project_id: int) -> datetime:
    state = run.last_state()
    assert state is not None
    return datetime.fromisoformat(state["stream"]["stream_state"][str(project_id)]["timestamp"])


def spread(emu: Emulator, project_id: int, first: datetime, last: datetime, n: int) -> list[str]:
    """`n` events appended now, stamped evenly from `first` to `last` (inclusive)."""
    step = (last - first) / max(n - 1, 1)
    return emu.append_events(project_id, [{"timestamp": first + step * i} for i in range(n)])


def all_ids(run: Run) -> list[str]:
    return [record["id"] for record in run.records("events")]


def assert_once_within(run: Run) -> None:
    """No event is emitted twice within one sync, whichever path (sweep or main read) found it."""
    assert run.returncode == 0, run.stderr
    assert not [i for i, n in Counter(all_ids(run)).items() if n > 1]


def redelivered(first: Run, second: Run) -> list[dict[str, Any]]:
    seen = set(all_ids(first))
    return [record for record in second.records("events") if record["id"] in seen]


def test_given_events_ingested_1_to_3_days_late_and_ties_when_next_sync_then_each_delivered_once(
    emu: Emulator, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, emu)
    first = workspace.read(EVENTS)
    assert_once_within(first)
    late: list[str] = []
    for project_id in (101, 102):
        cursor = cursor_of(first, project_id)
        late += spread(emu, project_id, cursor - 3 * DAY + timedelta(minutes=1), cursor - DAY, 20)
        late += emu.append_tie_block(project_id, cursor, 3)  # at the cursor: the main read's lookback
        late += emu.append_tie_block(project_id, cursor - LOOKBACK, 3)  # where the sweep ends and the read begins
        late += emu.append_tie_block(project_id, cursor - LOOKBACK - 3 * DAY, 2)  # the sweep's inclusive start
    second = workspace.read(EVENTS, state=state_file_from(first, tmp_path))
    assert_once_within(second)
    assert Counter(all_ids(second)) >= Counter(late)
    combined = {p: sorted(set(all_ids(first) + all_ids(second)) & set(ids)) for p, ids in emu.truth("events").items()}
    assert_exactly_once(combined, emu.truth("events"))
    # Re-delivery: exactly the events of the lookback window; none of the sweep's (all ingested after W).
    again = redelivered(first, second)
    window = [r for r in first.records("events") if r["timestamp"] >= format_utc(cursor_of(first, r["project_id"]))]
    assert len(again) == len(window)
    assert not [w for w in second.logs if "late-events window" in w]


def format_utc(cursor: datetime) -> str:
    """The lookback window's start in the canonical record form (string order is time order)."""
    return (cursor - LOOKBACK).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def test_given_backdated_events_beyond_late_events_days_when_next_sync_then_warned_with_count_not_delivered(
    emu: Emulator, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, emu)
    first = workspace.read(EVENTS, late_events_days=1)
    cursor = cursor_of(first, 102)
    inside = spread(emu, 102, cursor - DAY + timedelta(minutes=5), cursor - 2 * LOOKBACK, 5)
    beyond = spread(emu, 102, cursor - 4 * DAY, cursor - 2 * DAY, 7)
    second = workspace.read(EVENTS, state=state_file_from(first, tmp_path), late_events_days=1)
    assert_once_within(second)
    delivered = set(all_ids(second))
    assert set(inside) <= delivered
    assert not set(beyond) & delivered
    (warning,) = [w for w in second.logs if "late-events window" in w]
    assert "Project 102: 7 event(s)" in warning
    assert (cursor - 4 * DAY).strftime("%Y-%m-%dT%H:%M") in warning
    assert "reset the events stream" in warning


def test_given_quiet_project_when_events_arrive_after_the_sync_then_nothing_lost(emu: Emulator, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, emu)
    first = workspace.read(EVENTS)
    newest = max(datetime.fromisoformat(r["timestamp"]) for r in first.records("events") if r["project_id"] == 101)
    upper = cursor_of(first, 101)
    assert upper - newest > 2 * LOOKBACK  # quiet: its newest event is hours before the sync
    arrived = spread(emu, 101, newest + timedelta(seconds=1), upper - timedelta(seconds=1), 12)
    second = workspace.read(EVENTS, state=state_file_from(first, tmp_path))
    assert_once_within(second)
    assert set(arrived) <= set(all_ids(second))


def test_given_kill_during_the_sweep_when_resumed_then_complete_and_redelivery_bounded(
    emu: Emulator, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, emu)
    first = workspace.read(EVENTS)
    late = spread(emu, 101, cursor_of(first, 101) - 2 * DAY, cursor_of(first, 101) - 2 * LOOKBACK, 1_000)
    catalog = write_json(tmp_path, "catalog.json", catalog_for(EVENTS))
    args = ["read", "--config", workspace.config(events_page_size=100), "--catalog", catalog]
    args += ["--state", state_file_from(first, tmp_path)]
    killed = run_and_kill(args, b'{"type":"RECORD"', 350, tmp_path / "stderr.txt")
    assert killed.returncode != 0
    assert set(all_ids(killed)) <= set(late)  # killed inside the sweep of project 101
    resume_state = (
        state_file_from(killed, tmp_path, "killed.json") if killed.states else state_file_from(first, tmp_path)
    )
    resumed = workspace.read(EVENTS, state=resume_state, events_page_size=100)
    assert_once_within(resumed)
    assert set(late) <= set(all_ids(killed)) | set(all_ids(resumed))
    again = set(all_ids(killed)) & set(all_ids(resumed))
    assert again <= set(late)  # the stated bound: a resumed sweep re-delivers only the sweep's own events
    assert len(again) <= len(all_ids(killed))


def test_given_state_without_watermark_when_read_then_as_before_and_upgraded(emu: Emulator, tmp_path: Path) -> None:
    workspace = Workspace(tmp_path, emu)
    first = workspace.read(EVENTS)
    state = first.last_state()
    assert state is not None
    entries = state["stream"]["stream_state"]
    for key, entry in entries.items():
        if key.isdigit():
            entry.pop("ingested_at")
            entry["late_check"] = {"from": "2020-01-01T00:00:00+00:00", "to": entry["timestamp"], "count": 0}
    older = write_json(tmp_path, "older.json", [state])
    unseen = spread(emu, 101, cursor_of(first, 101) - DAY, cursor_of(first, 101) - DAY, 1)
    second = workspace.read(EVENTS, state=older)
    assert_once_within(second)
    assert not set(unseen) & set(all_ids(second))  # no watermark: no sweep this time, as before
    upgraded = second.last_state()
    assert upgraded is not None
    projects = [entry for key, entry in upgraded["stream"]["stream_state"].items() if key.isdigit()]
    assert projects
    assert all("ingested_at" in entry for entry in projects)
    later = spread(emu, 101, cursor_of(second, 101) - DAY, cursor_of(second, 101) - DAY, 1)
    third = workspace.read(EVENTS, state=state_file_from(second, tmp_path))
    assert set(later) <= set(all_ids(third))


def test_given_instance_refusing_modifiers_when_synced_twice_then_utc_timestamps_and_late_events_delivered(
    emu: Emulator, tmp_path: Path
) -> None:
    reference = {r["id"]: r["timestamp"] for r in Workspace(tmp_path, emu).read(EVENTS).records("events")}
    with Emulator(
        EmulatorSettings(seed=23, events=3_000, projects=2, quirks=Quirks(query_rejects_unknown_fields=True))
    ) as old:
        workspace = Workspace(tmp_path, old)
        check = run_connector(["check", "--config", workspace.config()])
        assert check.connection_status["status"] == "SUCCEEDED"
        first = workspace.read(EVENTS)
        assert_once_within(first)
        assert {r["id"]: r["timestamp"] for r in first.records("events")} == reference  # New York cells → UTC
        assert sum("predates the query modifiers" in w for w in first.logs) == 1
        late = spread(old, 102, cursor_of(first, 102) - 2 * DAY, cursor_of(first, 102) - 2 * LOOKBACK, 5)
        second = workspace.read(EVENTS, state=state_file_from(first, tmp_path))
        assert_once_within(second)
        assert set(late) <= set(all_ids(second))


def test_given_instance_without_query_api_when_checked_and_read_then_legacy_list_used(tmp_path: Path) -> None:
    quirks = Quirks(query_api_available=False)
    with Emulator(EmulatorSettings(seed=23, events=3_000, projects=2, quirks=quirks)) as old:
        workspace = Workspace(tmp_path, old)
        start = (datetime.now(UTC) - timedelta(days=402)).strftime("%Y-%m-%dT00:00:00Z")
        check = run_connector(["check", "--config", workspace.config(start_date=start)])
        assert check.connection_status["status"] == "SUCCEEDED", check.connection_status
        assert "legacy /events/ list" in check.connection_status["message"]
        first = workspace.read(EVENTS, start_date=start)
        assert_once_within(first)
        assert_exactly_once(event_ids(first), old.truth("events"))
        assert sum("late-events sweep needs /query/" in w for w in first.logs) == 1
