"""The newer streams through the CLI against the emulator: each complete and unique against its truth, per
project, with PostHog's quirks (archived experiments, virtual properties, cut recordings) handled."""

from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import NEWER_STREAMS, Run, state_file_from
from posthog_emulator import Emulator
from posthog_emulator.common.timefmt import drf
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
    """One read of the eight newer streams from the shared emulator."""
    run = Workspace(tmp_path_factory.mktemp("newer"), emulator).read(NEWER_STREAMS)
    assert run.returncode == 0, run.errors
    return run


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


def test_given_recordings_crossing_window_edges_when_read_then_whole_start_times(
    newer_read: Run, emulator: Emulator
) -> None:
    for record in newer_read.records("session_recordings"):
        stored = next(
            r
            for r in emulator.app.rt.dataset.entities[record["project_id"]]["session_recordings"]
            if r["session_id"] == record["id"]
        )
        first_block = stored["_blocks"][0][0]
        assert record["start_time"].startswith(str(drf(first_block))[:19])  # its own start, not a cut one


def test_given_recordings_state_when_read_again_then_only_recent_ones_are_read_again(
    newer_read: Run, emulator: Emulator, tmp_path: Path
) -> None:
    state = state_file_from(newer_read, tmp_path)

    again = Workspace(tmp_path, emulator).read(("session_recordings",), state=state)

    assert again.returncode == 0, again.errors
    recordings = newer_read.records("session_recordings")
    assert 0 < len(again.records("session_recordings")) < len(recordings)
    assert all(r["project_id"] for r in again.records("session_recordings"))
