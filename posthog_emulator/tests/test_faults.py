"""Seeded faults: each kind reproduced on demand, random ones capped so retries succeed."""

import json
import time

import pytest
import requests

from posthog_emulator import Emulator, EmulatorSettings, Faults
from posthog_emulator.tests.conftest import END, MAIN, Api

COHORTS = f"/api/projects/{MAIN}/cohorts/?limit=2"


@pytest.mark.parametrize("kind", ["500", "502", "503", "504"])
def test_given_status_fault_when_requesting_then_that_status_once(api: Api, emu: Emulator, kind: str) -> None:
    emu.configure(faults={"queue": [kind]})
    failed = api("GET", COHORTS)
    assert failed.status_code == int(kind)
    if kind in ("500", "503"):
        assert failed.json()["type"] == "server_error"
    assert api("GET", COHORTS).status_code == 200
    assert emu.requests[0]["fault"] == kind


def test_given_query_timeout_fault_when_querying_then_504_time_limit_envelope(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"queue": ["504"]})
    r = api("POST", f"/api/projects/{MAIN}/query/", json={"query": {"kind": "HogQLQuery", "query": "SELECT 1"}})
    assert r.status_code == 504
    assert "10-second time limit" in r.json()["detail"]


def test_given_reset_fault_when_reading_body_then_connection_error(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"queue": ["reset"]})
    with pytest.raises((requests.exceptions.ConnectionError, requests.exceptions.ChunkedEncodingError)):
        api("GET", f"/api/projects/{MAIN}/annotations/")
    assert api("GET", COHORTS).ok


def test_given_truncated_fault_when_parsing_then_invalid_json(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"queue": ["truncated"]})
    r = api("GET", COHORTS)
    assert r.status_code == 200
    with pytest.raises(json.JSONDecodeError):
        json.loads(r.text)


def test_given_slow_fault_when_requesting_then_delayed(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"queue": ["slow"], "slow_s": 0.4})
    started = time.monotonic()
    assert api("GET", COHORTS).ok
    assert time.monotonic() - started >= 0.4


def test_given_next_repeat_fault_when_paging_then_next_is_the_current_url(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"queue": ["next_repeat"]})
    body = api("GET", COHORTS).json()
    assert body["next"] == f"{emu.base_url}{COHORTS}"


def test_given_next_foreign_fault_when_paging_then_next_points_at_another_host(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"queue": ["next_foreign"]})
    body = api("GET", COHORTS).json()
    assert body["next"].startswith("http://localhost:")
    assert not body["next"].startswith(emu.base_url)


def test_given_fault_rate_1_when_retrying_then_success_after_max_consecutive(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"rate": 1.0, "kinds": ["503", "500"], "max_consecutive": 2})
    statuses = [api("GET", COHORTS).status_code for _ in range(3)]
    assert statuses[:2] != [200, 200]
    assert statuses[2] == 200


def test_given_same_seed_when_two_emulators_then_same_faults() -> None:
    def run() -> list[int]:
        settings = EmulatorSettings(seed=9, events=500, end=END, faults=Faults(rate=0.5, kinds=("500", "503"), seed=4))
        with Emulator(settings) as emu:
            s = requests.Session()
            s.headers["Authorization"] = f"Bearer {emu.api_key}"
            return [
                s.get(f"{emu.base_url}/api/projects/{MAIN}/cohorts/?offset={k}", timeout=10).status_code
                for k in range(12)
            ]

    first = run()
    assert first == run()
    assert 200 in first
    assert len(set(first)) > 1


def test_given_path_filter_when_faults_on_then_other_paths_unaffected(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"rate": 1.0, "kinds": ["500"], "path_contains": "/persons"})
    assert api("GET", COHORTS).ok
    assert api("GET", f"/api/projects/{MAIN}/persons/").status_code == 500


def test_given_a_body_shorter_than_its_content_length_when_the_client_goes_away_then_never_handled(
    emu: Emulator,
) -> None:
    """A sync killed mid-request leaves half a body: a real server never runs the view, nor does the emulator."""
    import socket
    from urllib.parse import urlsplit

    address = urlsplit(emu.base_url)
    emu.clear_requests()
    with socket.create_connection((address.hostname or "127.0.0.1", address.port or 80), timeout=5) as conn:
        conn.sendall(
            b"POST /api/projects/1/query/ HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            b'Content-Length: 200\r\n\r\n{"query": {"kind": "HogQLQuery", "qu'
        )
        conn.shutdown(socket.SHUT_WR)
        assert conn.recv(1024) == b""

    assert emu.requests == []
