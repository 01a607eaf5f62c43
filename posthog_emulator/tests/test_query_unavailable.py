"""An instance without `/query/` (old self-hosted): its routes are Django's plain 404, nothing else changes."""

import requests

from posthog_emulator import Emulator
from posthog_emulator.__main__ import parse_args, settings_from
from posthog_emulator.tests.conftest import MAIN, Api, hogql

NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Endpoint not found.", "attr": None}


def test_given_query_api_unavailable_when_querying_then_endpoint_not_found(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"query_api_available": False})
    for path in (f"/api/projects/{MAIN}/query/", f"/api/projects/{MAIN}/query", f"/api/environments/{MAIN}/query/"):
        response = api("POST", path, json=hogql("SELECT event FROM events LIMIT 1"))
        assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert api("GET", f"/api/projects/{MAIN}/query/abc/").status_code == 404
    no_key = requests.post(f"{emu.base_url}/api/projects/{MAIN}/query/", json={}, timeout=10)
    assert (no_key.status_code, no_key.json()) == (404, NOT_FOUND)  # URL routing answers before auth
    assert api("GET", f"/api/projects/{MAIN}/events/", params={"limit": 1}).status_code == 200


def test_given_query_api_restored_when_querying_then_200(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"query_api_available": False})
    emu.configure(quirks={"query_api_available": True})
    response = api("POST", f"/api/projects/{MAIN}/query/", json=hogql("SELECT event FROM events LIMIT 1"))
    assert response.status_code == 200


def test_given_admin_configure_over_http_when_query_disabled_then_404(api: Api, emu: Emulator) -> None:
    requests.post(f"{emu.admin_url}/configure", json={"quirks": {"query_api_available": False}}, timeout=10)
    response = api("POST", f"/api/projects/{MAIN}/query/", json=hogql("SELECT event FROM events LIMIT 1"))
    assert response.status_code == 404


def test_given_cli_flag_when_parsed_then_query_api_unavailable_and_other_quirks_kept() -> None:
    assert settings_from(parse_args([])).quirks.query_api_available is True
    settings = settings_from(parse_args(["--no-query-api"]))
    assert settings.quirks.query_api_available is False
    assert settings.quirks.events_tie_loss is True
    ideal = settings_from(parse_args(["--no-quirks", "--no-query-api"])).quirks
    assert (ideal.query_api_available, ideal.events_tie_loss) == (False, False)
