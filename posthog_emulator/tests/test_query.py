"""POST /query/: the connector's HogQL, keyset paging, caps, errors, timezones, async, concurrency."""

import threading
from datetime import datetime

import pytest
import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import END, MAIN, NEW_YORK, Api, hogql

COLUMNS = "uuid, event, distinct_id, timestamp, properties, elements_chain"
RANGE = "timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC')"
KEYSET = (
    "(timestamp > toDateTime64({after_ts}, 6, 'UTC') OR (timestamp = toDateTime64({after_ts}, 6, 'UTC') "
    "AND uuid > toUUID({after_uuid})))"
)
WHOLE = {"start": "2020-01-01 00:00:00.000000", "end": "2030-01-01 00:00:00.000000"}
NO_TZ = {"convertToProjectTimezone": False}


def page_sql(keyset: bool, n: int) -> str:
    where = RANGE + (f" AND {KEYSET}" if keyset else "")
    return f"SELECT {COLUMNS} FROM events WHERE {where} ORDER BY timestamp ASC, uuid ASC LIMIT {n}"  # noqa: S608


def query(api: Api, pid: int, body: dict[str, object]) -> requests.Response:
    return api("POST", f"/api/projects/{pid}/query/", json=body)


def keyset_read(api: Api, pid: int, values: dict[str, str], n: int) -> list[list[object]]:
    rows: list[list[object]] = []
    body = query(api, pid, hogql(page_sql(False, n), values, modifiers=NO_TZ)).json()
    while True:
        rows += body["results"]
        if len(body["results"]) < n:
            return rows
        last = body["results"][-1]
        cursor = {"after_ts": str(last[3]).replace("T", " ").removesuffix("Z"), "after_uuid": str(last[0])}
        body = query(api, pid, hogql(page_sql(True, n), values | cursor, modifiers=NO_TZ)).json()


def test_given_connector_query_when_posting_then_response_shape_of_6_8(api: Api) -> None:
    body = query(api, MAIN, hogql(page_sql(False, 5), WHOLE, modifiers=NO_TZ)).json()
    assert body["columns"] == ["uuid", "event", "distinct_id", "timestamp", "properties", "elements_chain"]
    assert body["types"][0] == ["uuid", "UUID"]
    assert body["types"][3] == ["timestamp", "DateTime64(6, 'UTC')"]
    assert body["hasMore"] is None
    assert body["limit"] is None
    assert len(body["results"]) == 5
    assert isinstance(body["results"][0][4], str)
    assert body["results"][0][4].startswith("{")
    assert body["results"][0][3].endswith("Z")


def test_given_keyset_pages_over_a_tie_block_when_reading_then_nothing_lost_or_duplicated(
    api: Api, emu: Emulator
) -> None:
    ts, size = next((t, n) for t, n in emu.tie_blocks(MAIN, 1001))
    day = datetime.fromisoformat(ts).strftime("%Y-%m-%d")
    values = {"start": f"{day} 00:00:00.000000", "end": f"{day} 23:59:59.999999"}
    rows = keyset_read(api, MAIN, values, 700)
    ids = [str(r[0]) for r in rows]
    assert len(ids) == len(set(ids)) >= size
    assert set(emu.events_at(MAIN, ts)) <= set(ids)


def test_given_typed_uuids_when_ordering_then_clickhouse_order_differs_from_text(api: Api, emu: Emulator) -> None:
    ts, _ = next((t, n) for t, n in emu.tie_blocks(MAIN, 1001))
    at = {"t": datetime.fromisoformat(ts).strftime("%Y-%m-%d %H:%M:%S.%f")}
    typed = query(
        api,
        MAIN,
        hogql("SELECT uuid FROM events WHERE timestamp = toDateTime64({t}, 6, 'UTC') ORDER BY uuid LIMIT 5000", at),
    ).json()["results"]
    text = query(
        api,
        MAIN,
        hogql(
            "SELECT toString(uuid) FROM events WHERE timestamp = toDateTime64({t}, 6, 'UTC') "
            "ORDER BY toString(uuid) LIMIT 5000",
            at,
        ),
    ).json()["results"]
    typed_ids = [r[0] for r in typed]
    assert typed_ids == emu.events_at(MAIN, ts)
    assert [r[0] for r in text] == sorted(typed_ids) != typed_ids
    pivot = typed_ids[len(typed_ids) // 2]
    after = query(
        api,
        MAIN,
        hogql(
            "SELECT uuid FROM events WHERE timestamp = toDateTime64({t}, 6, 'UTC') "
            "AND uuid > toUUID({u}) ORDER BY uuid LIMIT 5000",
            at | {"u": pivot},
        ),
    ).json()
    assert [r[0] for r in after["results"]] == typed_ids[len(typed_ids) // 2 + 1 :]


def test_given_offset_when_querying_then_400_for_personal_keys(api: Api, emu: Emulator) -> None:
    r = query(api, MAIN, hogql("SELECT uuid FROM events LIMIT 10 OFFSET 0"))
    assert r.status_code == 400
    assert r.json()["detail"].startswith("OFFSET is not supported on queries made with a personal API key.")
    emu.configure(quirks={"query_reject_offset": False})
    assert len(query(api, MAIN, hogql("SELECT uuid FROM events LIMIT 10 OFFSET 5")).json()["results"]) == 10


@pytest.mark.parametrize(
    ("sql", "detail"),
    [
        ("SELECT nope FROM events LIMIT 1", "Unable to resolve field: nope"),
        (
            "SELECT uuid FROM events WHERE timestamp > parseDateTime64BestEffort('2026-01-01') LIMIT 1",
            "Unsupported function call 'parseDateTime64BestEffort(...)'",
        ),
        ("SELECT uuid FROM events WHERE timestamp > {missing} LIMIT 1", "Placeholder {missing} is not available"),
        ("SELECT uuid FROM events WHERE LIMIT 1", "Syntax error"),
    ],
)
def test_given_bad_hogql_when_querying_then_400_with_message(api: Api, sql: str, detail: str) -> None:
    r = query(api, MAIN, hogql(sql))
    assert r.status_code == 400
    assert r.json()["detail"].startswith(detail)
    assert r.json()["type"] == "validation_error"


def test_given_limit_above_cap_when_querying_then_silently_capped(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"query_row_cap": 500})
    body = query(api, MAIN, hogql("SELECT uuid FROM events ORDER BY timestamp LIMIT 1000")).json()
    assert len(body["results"]) == 500
    assert body["hasMore"] is None
    emu.configure(quirks={"query_row_cap": None})
    assert len(query(api, MAIN, hogql("SELECT uuid FROM events LIMIT 1000")).json()["results"]) == 1000


def test_given_no_limit_when_querying_then_100_rows_with_has_more(api: Api) -> None:
    body = query(api, MAIN, hogql("SELECT uuid FROM events")).json()
    assert len(body["results"]) == 100
    assert (body["hasMore"], body["limit"], body["offset"]) == (True, 100, 0)


def test_given_new_york_project_when_querying_then_datetimes_in_project_timezone(api: Api, emu: Emulator) -> None:
    sql = "SELECT timestamp FROM events ORDER BY timestamp LIMIT 3"
    local = query(api, NEW_YORK, hogql(sql)).json()
    assert local["timezone"] == "America/New_York"
    assert local["results"][0][0][-6:] in ("-05:00", "-04:00")
    utc = query(api, NEW_YORK, hogql(sql, modifiers=NO_TZ)).json()
    assert utc["results"][0][0].endswith("Z")
    assert datetime.fromisoformat(utc["results"][0][0]) == datetime.fromisoformat(local["results"][0][0])
    emu.configure(quirks={"query_ignore_tz_modifier": True})
    assert query(api, NEW_YORK, hogql(sql, modifiers=NO_TZ)).json()["results"][0][0][-6:] in ("-05:00", "-04:00")
    emu.configure(quirks={"query_project_timezone": False})
    assert query(api, NEW_YORK, hogql(sql)).json()["results"][0][0].endswith("Z")


def test_given_literal_without_timezone_when_querying_then_read_in_project_timezone(api: Api) -> None:
    sql = "SELECT count() FROM events WHERE timestamp < toDateTime64({t}, 6)"
    local = query(api, NEW_YORK, hogql(sql, {"t": "2026-06-01 00:00:00"})).json()["results"][0][0]
    utc = query(api, NEW_YORK, hogql(sql.replace("6)", "6, 'UTC')"), {"t": "2026-06-01 00:00:00"})).json()
    assert local >= utc["results"][0][0]


def test_given_json_quirk_off_when_querying_then_properties_are_objects(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"query_json_string_properties": False})
    row = query(api, MAIN, hogql("SELECT properties, properties.$browser FROM events LIMIT 1")).json()["results"][0]
    assert isinstance(row[0], dict)
    assert row[1] == row[0]["$browser"]


def test_given_aggregates_when_querying_then_one_row(api: Api, emu: Emulator) -> None:
    body = query(api, MAIN, hogql("SELECT count(), min(timestamp), max(timestamp) FROM events", modifiers=NO_TZ)).json()
    assert body["results"][0][0] == len(emu.truth("events")[MAIN])
    assert body["results"][0][1] < body["results"][0][2] < END.isoformat().replace("+00:00", "Z")


def test_given_async_refresh_when_polling_then_202_then_200_with_results(api: Api) -> None:
    start = query(api, MAIN, hogql("SELECT uuid FROM events LIMIT 3", refresh="async"))
    assert start.status_code == 202
    assert start.json()["query_status"]["complete"] is False
    qid = start.json()["query_status"]["id"]
    assert api("GET", f"/api/projects/{MAIN}/query/{qid}/").status_code == 202
    done = api("GET", f"/api/projects/{MAIN}/query/{qid}/")
    assert done.status_code == 200
    assert len(done.json()["query_status"]["results"]["results"]) == 3
    assert api("DELETE", f"/api/projects/{MAIN}/query/{qid}/").status_code == 204


def test_given_four_concurrent_queries_when_three_slots_then_429_without_retry_after(api: Api, emu: Emulator) -> None:
    emu.configure(faults={"query_latency_s": 0.6})
    results: list[requests.Response] = []
    body = hogql("SELECT uuid FROM events LIMIT 1")
    threads = [threading.Thread(target=lambda: results.append(query(api, MAIN, body))) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    statuses = sorted(r.status_code for r in results)
    assert statuses == [200, 200, 200, 429]
    refused = next(r for r in results if r.status_code == 429)
    assert "Retry-After" not in refused.headers
    assert refused.json()["type"] == "throttled_error"


def test_given_event_names_as_list_placeholders_when_querying_then_in_and_not_in_filter_rows(api: Api) -> None:
    sql = f"SELECT count() FROM events WHERE {RANGE} AND event IN {{inc}} AND event NOT IN {{exc}}"  # noqa: S608
    values = {**WHOLE, "inc": ["$pageview", "$autocapture"], "exc": ["$autocapture"]}
    only = query(api, MAIN, hogql(sql, values)).json()["results"][0][0]
    sql_eq = f"SELECT count() FROM events WHERE {RANGE} AND event = '$pageview'"  # noqa: S608

    assert only == query(api, MAIN, hogql(sql_eq, WHOLE)).json()["results"][0][0] > 0
