"""A self-hosted PostHog from before June 2024 (emulator profile "old"), through the CLI: its 10,000-row query
cap never truncates a read, and its recordings list (no `order_direction`, timeouts on wide ranges) is read whole.

PostHog lowered any LIMIT to MAX_SELECT_RETURNED_ROWS = 10,000 before PR #22637 (posthog/hogql/constants.py),
silently: a reader that took "fewer rows than asked" for "no more rows" lost 13 % of a dense day's events.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run, catalog_for, config_for, run_connector, write_json
from integration_tests.test_events import assert_exactly_once, event_ids
from posthog_emulator import Emulator, EmulatorSettings, Faults
from source_posthog.streams.stream import TableSpec
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME

DENSE_HOUR_EVENTS = 12_000  # one hour holding more than the old cap
PERSONS = 12_000
CAP_WARNING = "it returns at most 10,000 rows per query"


@pytest.fixture(scope="module")
def old() -> Iterator[Emulator]:
    """An old instance: one project, 20,000 events over two days plus an hour of 12,000, and 12,000 persons."""
    settings = EmulatorSettings(
        seed=61, profile="old", events=20_000, projects=1, edge_projects=False, span_days=2, persons_per_project=PERSONS
    )
    emu = Emulator(settings).start()
    (project_id,) = emu.project_ids
    hour = settings.anchor() - timedelta(hours=30)
    step = timedelta(hours=1) / DENSE_HOUR_EVENTS
    emu.append_events(project_id, [{"timestamp": hour + step * i} for i in range(DENSE_HOUR_EVENTS)])
    yield emu
    emu.stop()


def keys(run: Run, stream: str) -> dict[int, list[Any]]:
    """Delivered primary keys per project (without project_id), as the emulator's truth writes them."""
    names = [name for name in STREAMS_BY_NAME[stream].primary_key if name != "project_id"]
    out: dict[int, list[Any]] = {}
    for record in run.records(stream):
        key = [record[name] for name in names]
        out.setdefault(record["project_id"], []).append(key[0] if len(key) == 1 else key)
    return out


def assert_complete_and_unique(run: Run, emu: Emulator, stream: str) -> None:
    got = keys(run, stream)
    for project_id, expected in emu.truth(stream).items():
        delivered = got.get(project_id, [])
        assert not [k for k, n in Counter(map(str, delivered)).items() if n > 1], f"{stream}: repeated records"
        assert sorted(delivered) == sorted(expected), f"{stream}: {len(delivered)} of {len(expected)} delivered"


def test_given_the_old_10000_row_cap_when_events_and_persons_read_then_complete_unique_and_said_once(
    old: Emulator, tmp_path: Path
) -> None:
    run = Workspace(tmp_path, old).read(("events", "persons"))

    assert run.returncode == 0, run.errors
    truth = old.truth("events")
    assert max(len(ids) for ids in truth.values()) > 30_000
    assert_exactly_once(event_ids(run), truth)
    assert_complete_and_unique(run, old, "persons")
    assert sum(len(ids) for ids in old.truth("persons").values()) >= PERSONS
    assert sum(CAP_WARNING in log for log in run.logs) == 1
    assert any("pages lowered to 9,999" in log for log in run.logs)


# The newer streams read as HogQL tables (persons, an original one, has tests of its own here).
HOGQL_TABLES = [s.name for s in STREAMS if isinstance(s.read, TableSpec) and not s.original]


@pytest.mark.parametrize("stream", HOGQL_TABLES)
def test_given_the_old_cap_when_a_hogql_table_read_then_complete_and_unique(
    old: Emulator, tmp_path: Path, stream: str
) -> None:
    run = Workspace(tmp_path, old).read((stream,))

    assert run.returncode == 0, run.errors
    assert_complete_and_unique(run, old, stream)


def test_given_a_key_without_person_read_when_persons_read_through_query_then_complete(
    old: Emulator, tmp_path: Path
) -> None:
    config = write_json(tmp_path, "config.json", config_for(old.base_url, old.keys["no_person_read"]))
    catalog = write_json(tmp_path, "catalog.json", catalog_for(("persons",)))
    run = run_connector(["read", "--config", config, "--catalog", catalog])

    assert run.returncode == 0, run.errors
    assert_complete_and_unique(run, old, "persons")


def test_given_an_old_instance_when_check_then_succeeded(old: Emulator, tmp_path: Path) -> None:
    config = write_json(tmp_path, "config.json", config_for(old.base_url, old.api_key))
    run = run_connector(["check", "--config", config])

    assert run.connection_status["status"] == "SUCCEEDED", run.connection_status
    assert "every stream readable" in run.connection_status["message"]


@pytest.fixture
def slow_recordings() -> Iterator[Emulator]:
    """An old instance whose recordings list times out (429) on any range wider than three days."""
    settings = EmulatorSettings(
        seed=62, profile="old", events=3_000, projects=1, edge_projects=False, span_days=20, persons_per_project=50
    )
    emu = Emulator(settings).start()
    emu.configure(faults=Faults(recordings_timeout_hours=72))
    yield emu
    emu.stop()


def test_given_recordings_timing_out_on_wide_ranges_when_read_then_complete_without_order_direction(
    slow_recordings: Emulator, tmp_path: Path
) -> None:
    since = slow_recordings.settings.anchor() - timedelta(days=60)  # every recording, in 22-hour windows at most
    run = Workspace(tmp_path, slow_recordings).read(("session_recordings",), start_date=f"{since:%Y-%m-%dT%H:%M:%SZ}")

    assert run.returncode == 0, run.errors
    assert_complete_and_unique(run, slow_recordings, "session_recordings")
    assert sum(len(ids) for ids in slow_recordings.truth("session_recordings").values()) > 0
    listed = [e for e in slow_recordings.requests if e["path"].endswith("/session_recordings/")]
    assert sum(e["status"] == 400 for e in listed) == 1  # order_direction refused once, then never sent
    assert sum("refuses order_direction" in log for log in run.logs) == 1
    assert any(e["status"] == 429 for e in listed)  # wide windows timed out ...
    assert not [log for log in run.logs if log.startswith("Retrying") and "429" in log]  # ... and were split
