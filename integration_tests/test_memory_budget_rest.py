"""REST list pages sized by bytes under `max_memory_mb` (issue 23), through the CLI on an instance without `/query/`.

Without `/query/`, events come from the `/events/` list and persons from the `/persons/` list. With fat rows
(a tenth of the events 50-300 KB, persons with 20 KB of properties) and a 64 MB budget, each list asks for far
fewer rows per page than under 256 MB on the same data, and every event and person arrives exactly once.
"""

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run
from posthog_emulator import Emulator, EmulatorSettings, Quirks
from posthog_emulator.config.weights import Weights

PERSONS = 1_500
SMALL_PAGE_ROWS = 200  # a page's share of 64 MB is ~2 MB: ~100 rows of ~20 KB


@pytest.fixture(scope="module")
def fat_old_instance() -> Iterator[Emulator]:
    """One project without `/query/`: 3,000 realistic events (a tenth 50-300 KB), 1,500 persons of 20 KB more."""
    weights = Weights(realistic=True, heavy_fraction=0.1, heavy_kb=(50, 300), person_kb=20)
    settings = EmulatorSettings(
        seed=29,
        events=3_000,
        projects=1,
        edge_projects=False,
        persons_per_project=PERSONS,
        weights=weights,
        quirks=Quirks(query_api_available=False),
    )
    emulator = Emulator(settings).start()
    yield emulator
    emulator.stop()


def list_limits(emu: Emulator, name: str) -> list[int]:
    """The `limit` of every page asked of the `name` list since the last clear (one-row probes left out)."""
    asked = [entry for entry in emu.requests if entry["path"].rstrip("/").endswith(f"/{name}")]
    return [limit for entry in asked if (limit := int(entry["query"].get("limit", "0"))) > 1]


def read_with(emu: Emulator, folder: Path, stream: str, max_memory_mb: int) -> tuple[Run, list[int]]:
    """The stream read under this budget, and the list's page limits."""
    emu.clear_requests()
    run = Workspace(folder, emu).read(
        (stream,), max_memory_mb=max_memory_mb, events_time_step=91, events_lookback_minutes=0
    )
    return run, list_limits(emu, stream)


def read_twice(emu: Emulator, folder: Path, stream: str) -> tuple[Run, list[int], Run, list[int]]:
    """The stream read under 64 MB, then under 256 MB; each run with the list's page limits."""
    return (*read_with(emu, folder, stream, 64), *read_with(emu, folder, stream, 256))


def assert_once(run: Run, stream: str, truth: list[str]) -> None:
    assert run.returncode == 0, run.stderr
    got = [str(record["id"]) for record in run.records(stream)]
    assert len(got) == len(set(got)) == len(truth)
    assert sorted(got) == sorted(truth)


def test_given_fat_events_without_query_api_and_a_small_budget_when_read_then_events_pages_shrink_and_arrive_once(
    fat_old_instance: Emulator, tmp_path: Path
) -> None:
    small, small_limits, wide, wide_limits = read_twice(fat_old_instance, tmp_path, "events")

    truth = fat_old_instance.truth("events")[fat_old_instance.project_ids[0]]
    assert_once(small, "events", truth)
    assert_once(wide, "events", truth)
    assert small_limits
    assert max(small_limits[1:]) <= SMALL_PAGE_ROWS, small_limits  # after the first page told the rows' weight
    assert max(wide_limits) > 2 * max(small_limits[1:]), (small_limits, wide_limits)
    assert max(wide_limits) <= 1000  # never above what /events/ accepts (EVENT_LIST_MAX_LIMIT)


def test_given_fat_persons_without_query_api_and_a_small_budget_when_read_then_persons_pages_shrink_and_arrive_once(
    fat_old_instance: Emulator, tmp_path: Path
) -> None:
    small, small_limits, wide, wide_limits = read_twice(fat_old_instance, tmp_path, "persons")

    truth = [str(person_id) for person_id in fat_old_instance.truth("persons", unique=True)]
    assert_once(small, "persons", truth)
    assert_once(wide, "persons", truth)
    assert len(small_limits) > PERSONS / SMALL_PAGE_ROWS
    assert max(small_limits[1:]) <= SMALL_PAGE_ROWS, small_limits
    assert max(wide_limits) > 2 * max(small_limits[1:]), (small_limits, wide_limits)
    assert max(wide_limits) <= 1000
