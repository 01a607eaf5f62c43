"""Custom queries' shapes (issue 24): a subquery in FROM, typed casts, and the stripe_charge warehouse table."""

from typing import Any

from posthog_emulator import Emulator
from posthog_emulator.tables.warehouse import stripe_charges
from posthog_emulator.tests.conftest import MAIN, Api, hogql

NO_TZ = {"convertToProjectTimezone": False}
RANGE = {"start": "2000-01-01 00:00:00", "end": "2100-01-01 00:00:00"}


def post(api: Api, sql: str, values: dict[str, Any] | None = None) -> Any:
    response = api("POST", f"/api/projects/{MAIN}/query/", json=hogql(sql, values or {}, modifiers=NO_TZ))
    return response.status_code, response.json()


def test_given_a_subquery_when_paged_by_keyset_then_inner_types_and_key_order(api: Api) -> None:
    inner = "SELECT uuid, timestamp, toFloat(properties.$screen_width) AS width FROM events WHERE event = 'purchase'"
    status, body = post(api, f"SELECT * FROM ({inner}) ORDER BY uuid ASC LIMIT 5")  # noqa: S608
    assert status == 200
    assert body["types"] == [["uuid", "UUID"], ["timestamp", "DateTime64(6, 'UTC')"], ["width", "Nullable(Float64)"]]
    assert {type(row[2]) for row in body["results"]} == {float}
    after = body["results"][2][0]
    _, rest = post(api, f"SELECT * FROM ({inner}) WHERE (uuid > toUUID({{a}})) ORDER BY uuid ASC LIMIT 2", {"a": after})  # noqa: S608
    assert rest["results"] == body["results"][3:5]


def test_given_a_subquery_when_counted_by_hour_then_the_density_of_its_rows(api: Api) -> None:
    inner = "SELECT timestamp FROM events WHERE event = 'purchase'"
    sql = (
        f"SELECT intDiv(toUnixTimestamp(timestamp), 3600) AS hour, count() FROM ({inner}) WHERE "  # noqa: S608
        "timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC') "
        "GROUP BY hour ORDER BY hour LIMIT 10000"
    )
    _, counted = post(api, sql, RANGE)
    _, every = post(api, f"SELECT count() FROM events WHERE event = 'purchase'")  # noqa: F541
    hours = [row[0] for row in counted["results"]]
    assert hours == sorted(hours)
    assert sum(row[1] for row in counted["results"]) == every["results"][0][0]


def test_given_the_warehouse_table_when_filtered_then_its_rows(api: Api, emu: Emulator) -> None:
    status, body = post(api, "SELECT * FROM (SELECT id, amount FROM stripe_charge WHERE status = 'failed') LIMIT 1000")
    assert status == 200
    expected = sorted(row["id"] for row in stripe_charges(emu.app.rt, MAIN) if row["status"] == "failed")
    assert sorted(row[0] for row in body["results"]) == expected
    assert body["types"] == [["id", "String"], ["amount", "Int64"]]


def test_given_an_unknown_table_in_a_subquery_then_hogql_400(api: Api) -> None:
    status, body = post(api, "SELECT * FROM (SELECT id FROM stripe_chargez) LIMIT 1")
    assert status == 400
    assert body["detail"] == "Unknown table `stripe_chargez`."
