"""`created_at`: every event's ingestion time, a HogQL column only (the late-events sweep reads it)."""

from datetime import UTC, datetime, timedelta

import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import END, MAIN, NEW_YORK, Api, hogql, session_for

NO_TZ = {"convertToProjectTimezone": False}
SINCE = "created_at >= toDateTime64({since}, 6, 'UTC')"


def query(emu: Emulator, body: dict[str, object], pid: int = MAIN) -> requests.Response:
    return session_for(emu).post(f"{emu.base_url}/api/projects/{pid}/query/", json=body, timeout=30)


def seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def test_given_generated_events_when_selecting_created_at_then_a_seeded_lag_of_1_to_120_s(emu: Emulator) -> None:
    sql = "SELECT timestamp, created_at FROM events ORDER BY timestamp LIMIT 3000"
    body = query(emu, hogql(sql, modifiers=NO_TZ)).json()
    assert body["types"][1] == ["created_at", "DateTime64(6, 'UTC')"]
    lags = [seconds(created) - seconds(ts) for ts, created in body["results"]]
    assert all(1 <= lag <= 120 for lag in lags)
    assert len({round(lag) for lag in lags}) > 60  # spread, not a constant offset
    again = query(emu, hogql(sql, modifiers=NO_TZ)).json()["results"]
    assert again == body["results"]


def test_given_project_timezone_when_no_modifier_then_created_at_rendered_like_timestamp(emu: Emulator) -> None:
    sql = "SELECT timestamp, created_at, min(created_at) FROM events GROUP BY timestamp, created_at LIMIT 1"
    body = query(emu, hogql(sql), NEW_YORK).json()
    assert body["types"][1] == ["created_at", "DateTime64(6, 'America/New_York')"]
    assert body["results"][0][1][-6:] in ("-04:00", "-05:00")
    assert body["results"][0][1] == body["results"][0][2]


def test_given_backdated_append_when_filtering_on_created_at_then_only_the_late_event(fresh: Emulator) -> None:
    before = datetime.now(UTC) - timedelta(seconds=1)
    late = fresh.append_events(MAIN, [{"timestamp": "2026-01-01T00:00:00Z", "event": "late"}])
    explicit = fresh.append_events(
        MAIN, [{"timestamp": "2026-02-01T00:00:00Z", "created_at": "2026-02-03T04:05:06.5Z", "event": "imported"}]
    )
    since = {"since": before.strftime("%Y-%m-%d %H:%M:%S.%f")}
    sql = f"SELECT uuid, timestamp, created_at FROM events WHERE {SINCE} ORDER BY timestamp, uuid LIMIT 100"  # noqa: S608
    rows = query(fresh, hogql(sql, since, modifiers=NO_TZ)).json()["results"]
    assert [r[0] for r in rows] == late
    assert rows[0][1] == "2026-01-01T00:00:00.000000Z"
    assert before.timestamp() <= seconds(rows[0][2]) <= datetime.now(UTC).timestamp()
    one = "SELECT created_at FROM events WHERE uuid = toUUID({u}) LIMIT 1"
    cell = query(fresh, hogql(one, {"u": explicit[0]}, modifiers=NO_TZ)).json()["results"][0][0]
    assert cell == "2026-02-03T04:05:06.500000Z"


def test_given_generated_data_when_max_created_at_then_before_the_anchor(api: Api) -> None:
    body = api(
        "POST", f"/api/projects/{MAIN}/query/", json=hogql("SELECT max(created_at) FROM events", modifiers=NO_TZ)
    )
    assert seconds(body.json()["results"][0][0]) < END.timestamp()


def test_given_events_list_when_listing_then_records_have_no_created_at(api: Api) -> None:
    window: dict[str, str | int] = {"limit": 5, "after": "2026-10-01T00:00:00Z", "before": "2026-10-02T00:00:00Z"}
    rows = api("GET", f"/api/projects/{MAIN}/events/", params=window).json()["results"]
    assert rows
    assert all("created_at" not in row for row in rows)
