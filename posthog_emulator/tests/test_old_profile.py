"""The "old" profile over HTTP: a self-hosted instance with EE from before PR #22637 (June 2024).

10,000-row HogQL cap (posthog/hogql/constants.py MAX_SELECT_RETURNED_ROWS, §10), strict request models
(`modifiers` -> 400 parse_error), and a RecordingsQuery without `order_direction` (400; shape from
session_recording_api.py @ a8b2677e filter_from_params_to_query, which old versions had it is a guess).
"""

from collections.abc import Iterator

import pytest
import requests

from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.tests.conftest import END, hogql, session_for


@pytest.fixture(scope="module")
def old() -> Iterator[Emulator]:
    emulator = Emulator(EmulatorSettings(seed=6, events=24_000, projects=1, end=END, profile="old")).start()
    yield emulator
    emulator.stop()


def _post(emu: Emulator, body: dict[str, object]) -> requests.Response:
    pid = emu.project_ids[0]
    return session_for(emu).post(f"{emu.base_url}/api/projects/{pid}/query/", json=body, timeout=60)


def test_given_old_profile_when_limit_above_cap_then_10000_rows_silently(old: Emulator) -> None:
    response = _post(old, hogql("SELECT uuid FROM events ORDER BY timestamp, uuid LIMIT 45001"))

    assert response.status_code == 200
    assert len(response.json()["results"]) == 10_000


def test_given_old_profile_when_modifiers_sent_then_400_parse_error(old: Emulator) -> None:
    body = hogql("SELECT uuid FROM events LIMIT 1", modifiers={"convertToProjectTimezone": False})
    response = _post(old, body)

    assert (response.status_code, response.json()["code"]) == (400, "parse_error")
    assert "Extra inputs are not permitted" in response.json()["detail"]
    assert _post(old, hogql("SELECT uuid FROM events LIMIT 1")).status_code == 200


def test_given_old_profile_when_order_direction_sent_then_400_and_without_it_200(old: Emulator) -> None:
    url = f"{old.base_url}/api/projects/{old.project_ids[0]}/session_recordings/"
    s = session_for(old)

    assert s.get(url, params={"order_direction": "DESC"}, timeout=10).status_code == 400
    assert s.get(url, params={"order": "start_time"}, timeout=10).status_code == 200


@pytest.mark.parametrize("route", ["experiments", "groups_types"])
def test_given_old_profile_when_ee_route_read_then_200(old: Emulator, route: str) -> None:
    url = f"{old.base_url}/api/projects/{old.project_ids[0]}/{route}/"
    assert session_for(old).get(url, timeout=10).status_code == 200
