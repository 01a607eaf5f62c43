"""Bearer auth, scopes, project allow-lists, routing and the error envelope (posthog-api.md §2-§3)."""

import pytest
import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, NEW_YORK, session_for

ENVELOPE_KEYS = {"type", "code", "detail", "attr"}


def test_given_no_header_when_listing_projects_then_401_not_authenticated(emu: Emulator) -> None:
    r = requests.get(f"{emu.base_url}/api/projects/", timeout=10)
    assert r.status_code == 401
    assert r.json() == {
        "type": "authentication_error",
        "code": "not_authenticated",
        "detail": "Authentication credentials were not provided.",
        "attr": None,
    }


@pytest.mark.parametrize("key", ["phx_unknown", "project_token"])
def test_given_bad_key_when_listing_then_401_authentication_failed(emu: Emulator, key: str) -> None:
    secret = emu.keys.get(key, key)
    r = session_for(emu, secret).get(f"{emu.base_url}/api/projects/", timeout=10)
    assert r.status_code == 401
    assert r.json()["code"] == "authentication_failed"
    assert r.json()["detail"] == "Personal API key found in request Authorization header is invalid."


def test_given_key_without_person_read_when_listing_persons_then_403_names_scope(emu: Emulator) -> None:
    r = session_for(emu, emu.keys["no_person_read"]).get(f"{emu.base_url}/api/projects/{MAIN}/persons/", timeout=10)
    assert r.status_code == 403
    assert r.json()["detail"] == "API key missing required scope 'person:read'"
    assert set(r.json()) == ENVELOPE_KEYS


def test_given_key_without_query_read_when_querying_then_403(emu: Emulator) -> None:
    s = session_for(emu, emu.keys["no_query_read"])
    assert s.post(f"{emu.base_url}/api/projects/{MAIN}/query/", json={}, timeout=10).status_code == 403
    assert s.get(f"{emu.base_url}/api/projects/{MAIN}/cohorts/", timeout=10).status_code == 200


def test_given_project_scoped_key_when_listing_projects_then_403_but_own_project_readable(emu: Emulator) -> None:
    s = session_for(emu, emu.keys["project_scoped"])
    listing = s.get(f"{emu.base_url}/api/projects/", timeout=10)
    assert listing.status_code == 403
    assert listing.json()["detail"] == "API keys with scoped projects are only supported on project-based endpoints."
    assert s.get(f"{emu.base_url}/api/projects/{MAIN}/", timeout=10).json()["id"] == MAIN
    assert s.get(f"{emu.base_url}/api/projects/{MAIN}/events/", timeout=10).status_code == 200
    other = s.get(f"{emu.base_url}/api/projects/{NEW_YORK}/cohorts/", timeout=10)
    assert other.status_code == 403
    assert other.json()["detail"] == f"API key does not have access to the requested project: ID {NEW_YORK}."


@pytest.mark.parametrize("key", ["write_scopes", "legacy_unscoped", "read_only"])
def test_given_write_legacy_or_read_key_when_reading_then_allowed(emu: Emulator, key: str) -> None:
    r = session_for(emu, emu.keys[key]).get(f"{emu.base_url}/api/projects/{MAIN}/persons/", timeout=10)
    assert r.status_code == 200


def test_given_scopes_not_enforced_when_reading_without_scope_then_allowed(emu: Emulator) -> None:
    emu.configure(quirks={"enforce_scopes": False})
    r = session_for(emu, emu.keys["no_person_read"]).get(f"{emu.base_url}/api/projects/{MAIN}/persons/", timeout=10)
    assert r.status_code == 200


@pytest.mark.parametrize(
    "path", ["/api/projects/101/cohorts", "/api/projects/101/cohorts/", "/api/environments/101/cohorts/"]
)
def test_given_any_slash_form_when_requesting_then_same_route(api, path: str) -> None:  # type: ignore[no-untyped-def]
    assert api("GET", path).status_code == 200


def test_given_unknown_route_when_requesting_then_404_endpoint_not_found(api) -> None:  # type: ignore[no-untyped-def]
    r = api("GET", "/api/projects/101/nope/")
    assert r.status_code == 404
    assert r.json() == {"type": "invalid_request", "code": "not_found", "detail": "Endpoint not found.", "attr": None}


def test_given_unknown_project_when_requesting_then_404(api) -> None:  # type: ignore[no-untyped-def]
    r = api("GET", "/api/projects/999/cohorts/")
    assert r.status_code == 404
    assert r.json()["detail"] == "Not found."


def test_given_wrong_method_when_posting_a_list_then_405(api) -> None:  # type: ignore[no-untyped-def]
    assert api("POST", "/api/projects/101/cohorts/", json={}).status_code == 405
