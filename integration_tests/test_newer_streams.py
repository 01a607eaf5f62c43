"""The newer streams through the CLI against the emulator: each complete and unique against its truth, per
project, with PostHog's quirks (archived experiments, virtual properties, cut recordings) handled."""

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import NEWER_STREAMS, Run, state_file_from
from posthog_emulator import Emulator, EmulatorSettings, Faults
from posthog_emulator.common.timefmt import drf, parse_datetime
from source_posthog.streams.table import STREAMS_BY_NAME


def key_of(stream: str, record: dict[str, Any]) -> Any:
    """The record's primary key as the emulator's truth (per project) writes it: a list for composite keys."""
    key = [record[name] for name in STREAMS_BY_NAME[stream].primary_key if name != "project_id"]
    return key[0] if len(key) == 1 else key


def delivered(run: Run, stream: str) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for record in run.records(stream):
        out.setdefault(record["project_id"], []).append(key_of(stream, record))
    return out


@pytest.fixture(scope="module")
def newer_read(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One read of the newer streams from the shared emulator."""
    run = Workspace(tmp_path_factory.mktemp("newer"), emulator).read(NEWER_STREAMS)
    assert run.returncode == 0, run.errors
    return run


def window_edges(log: list[dict[str, Any]]) -> dict[int, set[int]]:
    """Per project, the `date_from` bounds (microseconds) of the recordings windows asked for."""
    edges: dict[int, set[int]] = {}
    for entry in log:
        if entry["path"].endswith("/session_recordings/") and "date_from" in entry["query"]:
            edges.setdefault(entry["project_id"], set()).add(parse_datetime(entry["query"]["date_from"]))
    return edges


@pytest.mark.parametrize("stream", NEWER_STREAMS)
def test_given_newer_stream_when_read_then_each_project_complete_and_unique(
    newer_read: Run, emulator: Emulator, stream: str
) -> None:
    got = delivered(newer_read, stream)
    for project_id, expected in emulator.truth(stream).items():
        keys = got.get(project_id, [])
        assert sorted(keys) == expected, f"{stream}, project {project_id}"
        assert not [k for k, n in Counter(map(str, keys)).items() if n > 1]
    assert sum(len(ids) for ids in emulator.truth(stream).values()) > 0


def test_given_dashboards_when_read_then_insight_ids_are_the_insights_on_them(
    newer_read: Run, emulator: Emulator
) -> None:
    for dashboard in newer_read.records("dashboards"):
        insights = emulator.app.rt.dataset.entities[dashboard["project_id"]]["insights"]
        on_it = sorted(i["id"] for i in insights if dashboard["id"] in i["dashboards"] and not i["deleted"])
        assert dashboard["insight_ids"] == on_it
    assert any(d["insight_ids"] for d in newer_read.records("dashboards"))


def test_given_archived_experiments_hidden_by_default_when_read_then_included(newer_read: Run) -> None:
    assert {e["archived"] for e in newer_read.records("experiments")} == {True, False}


@pytest.fixture(scope="module")
def narrow_windows() -> Iterator[Emulator]:
    """One project whose recordings list times out on ranges over three days: windows of at most that, so recordings
    (up to five hours of blocks) cross window edges, as the shared emulator's few wide windows never make them."""
    settings = EmulatorSettings(seed=7, events=1_000, projects=1, edge_projects=False, persons_per_project=40)
    emu = Emulator(settings).start()
    emu.configure(faults=Faults(recordings_timeout_hours=72))
    yield emu
    emu.stop()


def test_given_recordings_crossing_window_edges_when_read_then_whole_start_times(
    narrow_windows: Emulator, tmp_path: Path
) -> None:
    since = narrow_windows.settings.anchor() - timedelta(days=60)
    before = max((entry["n"] for entry in narrow_windows.requests), default=-1)
    run = Workspace(tmp_path, narrow_windows).read(("session_recordings",), start_date=f"{since:%Y-%m-%dT%H:%M:%SZ}")
    assert run.returncode == 0, run.errors
    edges, crossing = window_edges([e for e in narrow_windows.requests if e["n"] > before]), 0
    for record in run.records("session_recordings"):
        stored = next(
            r
            for r in narrow_windows.app.rt.dataset.entities[record["project_id"]]["session_recordings"]
            if r["session_id"] == record["id"]
        )
        first_block = stored["_blocks"][0][0]
        starts = [block[0] for block in stored["_blocks"]]
        crossing += any(starts[0] < edge <= starts[-1] for edge in edges.get(record["project_id"], ()))
        assert record["start_time"].startswith(str(drf(first_block))[:19])  # its own start, not a cut one
    assert crossing > 0  # else no recording was cut by a window and the test proves nothing


def test_given_recordings_state_when_read_again_then_only_recent_ones_are_read_again(
    newer_read: Run, emulator: Emulator, tmp_path: Path
) -> None:
    state = state_file_from(newer_read, tmp_path)

    again = Workspace(tmp_path, emulator).read(("session_recordings",), state=state)

    assert again.returncode == 0, again.errors
    recordings = newer_read.records("session_recordings")
    assert 0 < len(again.records("session_recordings")) < len(recordings)
    assert all(r["project_id"] for r in again.records("session_recordings"))
