"""Ground truth, appends, request log, admin routes, the seeded data's shape, and the CLI."""

import json
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import requests

from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.tests.conftest import EMPTY, END, MAIN, NEW_YORK, SINGLE, hogql, session_for


def query_ids(emu: Emulator, pid: int, start: str, end: str) -> list[str]:
    sql = (
        "SELECT uuid FROM events WHERE timestamp >= toDateTime64({s}, 6, 'UTC') "
        "AND timestamp < toDateTime64({e}, 6, 'UTC') ORDER BY timestamp, uuid LIMIT 50000"
    )
    body = (
        session_for(emu)
        .post(f"{emu.base_url}/api/projects/{pid}/query/", json=hogql(sql, {"s": start, "e": end}), timeout=30)
        .json()
    )
    return [r[0] for r in body["results"]]


def test_given_appends_when_querying_then_new_tied_and_backdated_events_visible(fresh: Emulator) -> None:
    tie_ts = fresh.tie_blocks(MAIN, 2)[0][0]
    late = {"timestamp": END + timedelta(minutes=1), "event": "late", "properties": {"a": 1}}
    new = fresh.append_events(MAIN, [late])
    tied = fresh.append_tie_block(MAIN, tie_ts, 3)
    back = fresh.append_events(MAIN, [{"timestamp": "2026-01-01T00:00:00Z", "distinct_id": "someone"}])
    truth = fresh.truth("events")[MAIN]
    assert set(new + tied + back) <= set(truth)
    assert truth == sorted(truth)
    assert set(tied) <= set(fresh.events_at(MAIN, tie_ts))
    ids = query_ids(fresh, MAIN, "2025-01-01 00:00:00", "2027-01-01 00:00:00")
    assert set(new + tied + back) <= set(ids)
    assert len(ids) == len(truth)


def test_given_admin_routes_when_used_over_http_then_same_as_python_api(fresh: Emulator) -> None:
    admin = fresh.admin_url
    truth = requests.get(f"{admin}/truth", params={"stream": "cohorts"}, timeout=10).json()
    assert truth == {str(k): v for k, v in fresh.truth("cohorts").items()}
    added = requests.post(
        f"{admin}/events",
        json={"project_id": NEW_YORK, "events": [{"timestamp": "2026-10-01T12:00:00.5Z", "event": "x"}]},
        timeout=10,
    ).json()["ids"]
    assert added[0] in fresh.truth("events")[NEW_YORK]
    changes = {"quirks": {"events_limit_clamp": None}, "limits": {"classes": {"crud": {"burst": 5, "sustained": None}}}}
    config = requests.post(f"{admin}/configure", json=changes, timeout=10).json()
    assert config["quirks"]["events_limit_clamp"] is None
    assert config["limits"]["classes"]["crud"]["burst"] == 5
    assert requests.get(f"{admin}/keys", timeout=10).json()["all"] == fresh.api_key
    session_for(fresh).get(f"{fresh.base_url}/api/projects/", timeout=10)
    log = requests.get(f"{admin}/requests", timeout=10).json()
    assert [e["path"] for e in log] == ["/api/projects/"]
    assert log[0]["headers"]["authorization"] is True
    requests.post(f"{admin}/reset", json={}, timeout=10)
    assert added[0] not in fresh.truth("events")[NEW_YORK]
    assert requests.get(f"{admin}/config", timeout=10).json()["quirks"]["events_limit_clamp"] == 1000


def test_given_requests_when_logged_then_method_status_key_and_no_secret(emu: Emulator) -> None:
    requests.get(f"{emu.base_url}/api/projects/", timeout=10)
    session_for(emu, emu.keys["read_only"]).get(f"{emu.base_url}/api/projects/{MAIN}/cohorts/?limit=1", timeout=10)
    first, second = emu.requests
    assert (first["status"], first["headers"]["authorization"], first["key"]) == (401, False, None)
    assert (second["status"], second["key"]) == (200, "read_only")
    assert (second["query"], second["project_id"]) == ({"limit": "1"}, MAIN)
    assert second["time"] >= first["time"]
    assert emu.api_key not in json.dumps(emu.requests)


def test_given_seed_when_built_twice_then_identical_truth() -> None:
    a = Emulator(EmulatorSettings(seed=11, events=3000, end=END))
    b = Emulator(EmulatorSettings(seed=11, events=3000, end=END))
    for stream in ("projects", "annotations", "cohorts", "feature_flags", "insights", "persons", "events"):
        assert a.truth(stream) == b.truth(stream)
    assert a.api_key == b.api_key


def test_given_default_data_when_inspected_then_every_edge_case_is_present(emu: Emulator) -> None:
    store = emu.app.rt.dataset.events[MAIN]
    stamps = list(store.ts)
    assert (stamps[-1] - stamps[0]) / 86_400e6 > 366
    assert any(n >= 2500 for _, n in emu.tie_blocks(MAIN, 1001))
    assert any(ts.endswith("T00:00:00+00:00") for ts, _ in emu.tie_blocks(MAIN, 2))
    assert any(t % 1_000_000 == 0 for t in stamps)
    assert any(t % 1000 for t in stamps)
    assert any(store.elements_chain(i) for i in range(200))
    assert len(emu.truth("events")[EMPTY]) == 0
    assert len(emu.truth("events")[SINGLE]) == 1
    assert sum(len(v) for v in emu.truth("events").values()) == 20_000
    assert {p["timezone"] for p in emu.projects} >= {"UTC", "America/New_York"}
    assert stamps[-1] < END.timestamp() * 1e6


def test_given_cli_when_started_then_one_ready_line_and_ready_file(tmp_path: Path) -> None:
    ready = tmp_path / "ready.json"
    argv = [
        sys.executable,
        "-m",
        "posthog_emulator",
        "--port",
        "0",
        "--events",
        "2000",
        "--ready-file",
        str(ready),
        "--end",
        "2026-11-01T00:00:00Z",
    ]
    with subprocess.Popen(argv, stdout=subprocess.PIPE, text=True) as proc:
        try:
            assert proc.stdout is not None
            line = json.loads(proc.stdout.readline())
            assert {"base_url", "api_key", "admin"} <= set(line)
            assert json.loads(ready.read_text()) == line
            r = requests.get(
                f"{line['base_url']}/api/projects/", headers={"Authorization": f"Bearer {line['api_key']}"}, timeout=10
            )
            assert r.status_code == 200
            assert requests.get(f"{line['admin']}/health", timeout=10).json()["ok"]
        finally:
            proc.terminate()
        assert proc.wait(timeout=10) == 0


def test_given_datetime_formats_when_serialised_then_as_the_real_api() -> None:
    from posthog_emulator.common.timefmt import drf, iso_utc, micros_z, parse_datetime

    us = parse_datetime("2026-05-01T12:34:56Z")
    assert (drf(us), iso_utc(us), micros_z(us)) == (
        "2026-05-01T12:34:56Z",
        "2026-05-01T12:34:56+00:00",
        "2026-05-01T12:34:56.000000Z",
    )
    assert drf(us + 789_012) == "2026-05-01T12:34:56.789012Z"
    assert datetime.fromisoformat(iso_utc(us)).timestamp() * 1e6 == us
