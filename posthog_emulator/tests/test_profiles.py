"""Instance profiles (cloud, foss, old) and the switches they set, checked over HTTP.

Facts: products/early_access_features/backend/routes.py @ 7286c363 (singular route);
products/experiments/backend/routes.py @ d96ff7b3 (experiments only with EE_AVAILABLE);
posthog/api/__init__.py @ 000874c5 (`api_not_found`: no auth, NotFound "Endpoint not found.");
posthog/session_recordings/session_recording_api.py @ a8b2677e (429 Throttled "Query timeout exceeded.").
"""

import json
import subprocess
import sys
from collections.abc import Iterator

import pytest
import requests

from posthog_emulator import Emulator, EmulatorSettings, Quirks
from posthog_emulator.__main__ import parse_args, settings_from
from posthog_emulator.tests.conftest import END, MAIN, Api, session_for

NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Endpoint not found.", "attr": None}
TIMEOUT = {"type": "throttled_error", "code": "throttled", "detail": "Query timeout exceeded. Try again later."}


@pytest.fixture(scope="module")
def foss() -> Iterator[Emulator]:
    """A small emulator started with the foss profile, as tests select one."""
    emulator = Emulator(EmulatorSettings(seed=4, events=500, projects=1, end=END, profile="foss")).start()
    yield emulator
    emulator.stop()


def test_given_profiles_when_settings_built_then_quirk_defaults_follow() -> None:
    cloud, foss, old = (EmulatorSettings(profile=p).quirks for p in ("cloud", "foss", "old"))

    assert (cloud.ee_available, cloud.query_row_cap, cloud.query_rejects_unknown_fields) == (True, 50_000, False)
    assert (foss.ee_available, foss.query_row_cap, foss.recordings_reject_order_direction) == (False, 50_000, False)
    assert (old.ee_available, old.query_row_cap, old.query_rejects_unknown_fields) == (True, 10_000, True)
    assert old.recordings_reject_order_direction
    assert EmulatorSettings().profile == "cloud"
    assert Quirks.for_profile("old") == old


def test_given_profile_and_explicit_quirk_when_built_then_explicit_value_kept() -> None:
    settings = EmulatorSettings(profile="old", quirks=Quirks(query_row_cap=2_000, duplicate_rows=0.1))

    assert (settings.quirks.query_row_cap, settings.quirks.duplicate_rows) == (2_000, 0.1)
    assert settings.quirks.query_rejects_unknown_fields


def test_given_unknown_profile_when_built_then_value_error() -> None:
    with pytest.raises(ValueError, match="unknown profile"):
        EmulatorSettings(profile="selfhosted")


@pytest.mark.parametrize("profile", ["cloud", "foss", "old"])
def test_given_profile_flag_when_parsed_then_settings_carry_it(profile: str) -> None:
    settings = settings_from(parse_args(["--profile", profile]))

    assert settings.profile == profile
    assert settings.quirks == Quirks.for_profile(profile)


@pytest.mark.parametrize("path", ["/api/projects/101/early_access_features/", "/api/nope", "/api/projects/101/x/y/"])
def test_given_unmatched_api_path_without_key_when_requested_then_catch_all_404(emu: Emulator, path: str) -> None:
    response = requests.get(emu.base_url + path, timeout=10)

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_given_singular_early_access_route_when_listed_then_200(api: Api) -> None:
    assert api("GET", f"/api/projects/{MAIN}/early_access_feature/").status_code == 200


@pytest.mark.parametrize("route", ["experiments", "groups_types"])
def test_given_foss_profile_when_ee_route_requested_then_catch_all_404(foss: Emulator, route: str) -> None:
    pid = foss.project_ids[0]
    response = session_for(foss).get(f"{foss.base_url}/api/projects/{pid}/{route}/", timeout=10)

    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert not any(foss.truth("experiments").values())
    assert not any(foss.truth("group_types").values())
    assert session_for(foss).get(f"{foss.base_url}/api/projects/{pid}/cohorts/", timeout=10).status_code == 200


@pytest.mark.parametrize("route", ["experiments", "groups_types"])
def test_given_ee_switch_when_toggled_then_ee_routes_follow(api: Api, emu: Emulator, route: str) -> None:
    assert api("GET", f"/api/projects/{MAIN}/{route}/").status_code == 200
    emu.configure(quirks={"ee_available": False})

    assert api("GET", f"/api/projects/{MAIN}/{route}/").json() == NOT_FOUND


def test_given_recordings_timeout_when_span_too_wide_then_429_without_retry_after(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"recordings_timeout_hours": 48})
    wide = {"date_from": "2026-10-01T00:00:00Z", "date_to": "2026-10-03T00:00:01Z"}
    narrow = {"date_from": "2026-10-01T00:00:00Z", "date_to": "2026-10-03T00:00:00Z"}

    response = api("GET", f"/api/projects/{MAIN}/session_recordings/", params=wide)
    assert response.status_code == 429
    assert "Retry-After" not in response.headers
    assert response.json() == {**TIMEOUT, "attr": None}
    assert api("GET", f"/api/projects/{MAIN}/session_recordings/", params=narrow).status_code == 200
    assert api("GET", f"/api/projects/{MAIN}/session_recordings/").status_code == 429  # default -3d..now


def test_given_old_recordings_model_when_order_direction_sent_then_400(api: Api, emu: Emulator) -> None:
    path = f"/api/projects/{MAIN}/session_recordings/"
    assert api("GET", path, params={"order_direction": "ASC"}).status_code == 200
    emu.configure(quirks={"recordings_reject_order_direction": True})

    refused = api("GET", path, params={"order_direction": "ASC"})
    assert (refused.status_code, refused.json()["type"], refused.json()["code"]) == (400, "validation_error", "invalid")
    errors = json.loads(refused.json()["detail"])
    assert [(e["type"], e["loc"], e["input"]) for e in errors] == [("extra_forbidden", ["order_direction"], "ASC")]
    assert api("GET", path).status_code == 200


def test_given_dashboards_withheld_when_insights_read_then_no_dashboards_field(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"insights_withhold_dashboards": True})
    listed = api("GET", f"/api/projects/{MAIN}/insights/", params={"basic": "true"}).json()["results"]
    one = api("GET", f"/api/projects/{MAIN}/insights/{listed[0]['id']}/").json()

    assert all("dashboards" not in i and "dashboard_tiles" in i for i in listed)
    assert "dashboards" not in one


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH", "DELETE"])
def test_given_any_method_on_unmatched_path_when_sent_then_catch_all_404(emu: Emulator, method: str) -> None:
    response = requests.request(method, f"{emu.base_url}/api/projects/{MAIN}/early_access_features/", timeout=10)

    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_given_cli_profile_foss_when_served_then_ee_routes_404() -> None:
    argv = [sys.executable, "-m", "posthog_emulator", "--profile", "foss", "--port", "0", "--events", "200"]
    proc = subprocess.Popen([*argv, "--projects", "1"], stdout=subprocess.PIPE, text=True)
    try:
        ready = json.loads(proc.stdout.readline() if proc.stdout else "{}")
        headers = {"Authorization": f"Bearer {ready['api_key']}"}
        base = f"{ready['base_url']}/api/projects/{ready['project_ids'][0]}"
        assert requests.get(f"{base}/experiments/", headers=headers, timeout=10).json() == NOT_FOUND
        assert requests.get(f"{base}/early_access_feature/", headers=headers, timeout=10).status_code == 200
    finally:
        proc.terminate()
        proc.wait(timeout=30)
        if proc.stdout:
            proc.stdout.close()
