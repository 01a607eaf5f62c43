"""Groups that change between syncs: `groups_per_type` and `touch_groups` (Python API and admin route)."""

from collections.abc import Iterator
from typing import Any

import pytest
import requests

from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.tests.conftest import END, MAIN, hogql, session_for

NO_TZ = {"convertToProjectTimezone": False}
COLUMNS = "SELECT index, key, updated_at, properties FROM groups"
CHANGED = f"{COLUMNS} WHERE updated_at > toDateTime64({{after}}, 6, 'UTC') ORDER BY updated_at, index, key LIMIT 1000"


@pytest.fixture
def many_groups() -> Iterator[Emulator]:
    """One project with 12,000 groups of each type: more than one 10,000-row page."""
    settings = EmulatorSettings(seed=9, events=100, projects=1, edge_projects=False, groups_per_type=12_000, end=END)
    emulator = Emulator(settings).start()
    yield emulator
    emulator.stop()


def query(emulator: Emulator, sql: str, values: dict[str, Any] | None = None) -> list[list[Any]]:
    s = session_for(emulator)
    response = s.post(f"{emulator.base_url}/api/projects/{MAIN}/query/", json=hogql(sql, values, modifiers=NO_TZ))
    assert response.status_code == 200, response.text
    rows: list[list[Any]] = response.json()["results"]
    return rows


def newest(emulator: Emulator) -> str:
    """The newest `updated_at` cell: a cursor as a sync would save it."""
    rows = query(emulator, f"{COLUMNS} ORDER BY updated_at DESC LIMIT 1")
    return str(rows[0][2])


def test_given_groups_per_type_when_read_then_each_type_has_that_many(many_groups: Emulator) -> None:
    truth = many_groups.truth("groups")[MAIN]
    assert len(truth) == 24_000
    assert {index: sum(1 for i, _ in truth if i == index) for index in (0, 1)} == {0: 12_000, 1: 12_000}
    assert len(query(many_groups, f"{COLUMNS} ORDER BY index, key LIMIT 10001")) == 10_001


def test_default_group_counts_stay_40_and_25(fresh: Emulator) -> None:
    truth = fresh.truth("groups")[MAIN]
    assert [sum(1 for i, _ in truth if i == index) for index in (0, 1)] == [40, 25]


def test_given_touched_groups_when_read_after_the_old_cursor_then_exactly_those(fresh: Emulator) -> None:
    cursor = newest(fresh)
    before = {(row[0], row[1]): row[3] for row in query(fresh, f"{COLUMNS} ORDER BY index, key LIMIT 1000")}

    touched = fresh.touch_groups(3, 2)

    changed = query(fresh, CHANGED, {"after": cursor})
    assert [[row[0], row[1]] for row in changed] == touched
    assert len(touched) == 5
    assert all(tuple(key) in before for key in touched[:3])
    assert all(tuple(key) not in before for key in touched[3:])
    assert all(row[3] != before[(row[0], row[1])] for row in changed[:3])  # a property changed
    assert fresh.truth("groups")[MAIN] == sorted([list(key) for key in before] + touched[3:])


def test_given_two_touches_when_read_then_stamps_strictly_increase(fresh: Emulator) -> None:
    first = fresh.touch_groups(2, 1)
    cursor = newest(fresh)
    second = fresh.touch_groups(2, 1)
    changed = query(fresh, CHANGED, {"after": cursor})
    assert [[row[0], row[1]] for row in changed] == second
    assert not {tuple(k) for k in first} & {tuple(k) for k in second}  # the oldest groups are picked each time
    stamps = [row[2] for row in query(fresh, f"{COLUMNS} ORDER BY updated_at DESC LIMIT 6")]
    assert len(set(stamps)) == 6


def test_touch_groups_through_the_admin_route(fresh: Emulator) -> None:
    body = {"project_id": MAIN, "n_updated": 1, "n_new": 1}
    response = requests.post(f"{fresh.admin_url}/touch_groups", json=body, timeout=10)
    assert response.status_code == 200, response.text
    touched = response.json()["touched"]
    assert len(touched) == 2
    assert touched[1] in fresh.truth("groups")[MAIN]
    too_many = requests.post(f"{fresh.admin_url}/touch_groups", json={"n_updated": 10_000}, timeout=10)
    assert too_many.status_code == 400
