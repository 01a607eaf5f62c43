"""duplicate_rows: events stored twice (ReplacingMergeTree before a merge) come back twice; truth stays unique."""

from collections import Counter

import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, Api, hogql

WINDOW = {"start": "2026-08-01 00:00:00.000000", "end": "2026-09-01 00:00:00.000000"}
RANGE = "timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC')"
PAGE = f"SELECT uuid, timestamp FROM events WHERE {RANGE} ORDER BY timestamp, uuid LIMIT 50000"  # noqa: S608
COUNT = f"SELECT count() FROM events WHERE {RANGE}"  # noqa: S608


def query(api: Api, sql: str) -> list[list[object]]:
    results: list[list[object]] = api("POST", f"/api/projects/{MAIN}/query/", json=hogql(sql, WINDOW)).json()["results"]
    return results


def listed_ids(api: Api) -> list[str]:
    params = {"orderBy": '["timestamp"]', "after": "2026-08-01T00:00:00Z", "before": "2026-08-03T00:00:00Z"}
    params["limit"] = "1000"
    return [row["id"] for row in api("GET", f"/api/projects/{MAIN}/events/", params=params).json()["results"]]


def test_given_quirk_off_when_reading_then_every_id_once(api: Api, emu: Emulator) -> None:
    ids = [str(r[0]) for r in query(api, PAGE)]
    assert len(ids) == len(set(ids)) == query(api, COUNT)[0][0]
    assert emu.duplicated_ids(MAIN) == []
    assert max(Counter(listed_ids(api)).values()) == 1


def test_given_duplicate_rows_when_querying_then_copies_adjacent_and_counted(api: Api, emu: Emulator) -> None:
    unique = [str(r[0]) for r in query(api, PAGE)]
    truth = emu.truth("events")
    emu.configure(quirks={"duplicate_rows": 0.2})
    doubled = set(emu.duplicated_ids(MAIN))
    assert 0.1 * len(truth[MAIN]) < len(doubled) < 0.3 * len(truth[MAIN])
    ids = [str(r[0]) for r in query(api, PAGE)]
    expected = [copy for i in unique for copy in ([i, i] if i in doubled else [i])]
    assert ids == expected
    assert query(api, COUNT)[0][0] == len(expected) > len(unique)
    assert emu.truth("events") == truth
    emu.configure(quirks={"duplicate_rows": 0.0})
    emu.configure(quirks={"duplicate_rows": 0.2})
    assert set(emu.duplicated_ids(MAIN)) == doubled  # seeded by UUID: the same rows every time


def test_given_duplicate_rows_when_listing_events_then_both_copies_adjacent(api: Api, emu: Emulator) -> None:
    single = listed_ids(api)
    emu.configure(quirks={"duplicate_rows": 1.0})
    listed = listed_ids(api)
    assert listed[: 2 * 10] == [i for i in single[:10] for _ in range(2)]
    assert all(listed[k] == listed[k + 1] for k in range(0, len(listed) - 1, 2))


def test_given_admin_route_when_duplicates_on_then_same_ids_as_python_api(emu: Emulator) -> None:
    emu.configure(quirks={"duplicate_rows": 0.05})
    over_http = requests.get(f"{emu.admin_url}/duplicates", timeout=10).json()
    assert over_http[str(MAIN)] == emu.duplicated_ids(MAIN)
    assert over_http[str(MAIN)]
