"""GROUP BY with toUnixTimestamp/intDiv and count/min/max: the connector's density query and its relatives."""

from collections import Counter
from datetime import datetime

import pytest
import requests

from posthog_emulator.tests.conftest import MAIN, NEW_YORK, Api, hogql

NO_TZ = {"convertToProjectTimezone": False}
MONTH = {"start": "2026-09-01 00:00:00.000000", "end": "2026-10-01 00:00:00.000000"}
RANGE = "timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC')"
HOUR = "intDiv(toUnixTimestamp(timestamp), 3600)"
DENSITY = f"SELECT {HOUR} AS hour, count() FROM events WHERE {RANGE} GROUP BY hour ORDER BY hour LIMIT 50000"  # noqa: S608


def query(api: Api, body: dict[str, object], pid: int = MAIN) -> requests.Response:
    return api("POST", f"/api/projects/{pid}/query/", json=body)


def epoch_hours(api: Api, values: dict[str, str], pid: int = MAIN) -> Counter[int]:
    sql = f"SELECT timestamp FROM events WHERE {RANGE} ORDER BY timestamp LIMIT 50000"  # noqa: S608
    rows = query(api, hogql(sql, values, modifiers=NO_TZ), pid).json()["results"]
    return Counter(int(datetime.fromisoformat(r[0]).timestamp()) // 3600 for r in rows)


class TestDensityQuery:
    def test_given_density_query_when_posting_then_hourly_counts_in_hour_order(self, api: Api) -> None:
        body = query(api, hogql(DENSITY, MONTH, modifiers=NO_TZ)).json()
        assert body["columns"] == ["hour", "count()"]
        assert body["types"] == [["hour", "UInt32"], ["count()", "UInt64"]]
        assert (body["hasMore"], body["limit"]) == (None, None)
        hours = [row[0] for row in body["results"]]
        assert hours == sorted(hours)
        assert dict(map(tuple, body["results"])) == dict(epoch_hours(api, MONTH))

    def test_given_density_on_a_new_york_project_when_no_modifier_then_hours_are_utc_epoch(self, api: Api) -> None:
        local = query(api, hogql(DENSITY, MONTH), NEW_YORK).json()["results"]
        assert dict(map(tuple, local)) == dict(epoch_hours(api, MONTH, NEW_YORK))

    def test_given_created_at_in_where_when_density_then_counted_by_ingestion_range(self, api: Api) -> None:
        created = RANGE.replace("timestamp", "created_at")
        by_created = query(api, hogql(DENSITY.replace(RANGE, created), MONTH, modifiers=NO_TZ)).json()["results"]
        total_sql = f"SELECT count() FROM events WHERE {created}"  # noqa: S608
        total = query(api, hogql(total_sql, MONTH)).json()["results"][0][0]
        assert sum(n for _, n in by_created) == total > 0
        both = DENSITY.replace(RANGE, f"{RANGE} AND {created}")
        by_both = query(api, hogql(both, MONTH, modifiers=NO_TZ)).json()["results"]
        assert 0 < sum(n for _, n in by_both) <= min(total, sum(epoch_hours(api, MONTH).values()))


class TestGroupBy:
    def test_given_two_keys_and_min_max_when_grouping_then_one_row_per_group(self, api: Api) -> None:
        columns = "event, intDiv(toUnixTimestamp(timestamp), 86400) AS day, count(), min(timestamp), max(timestamp)"
        sql = f"SELECT {columns} FROM events WHERE {RANGE} GROUP BY event, day ORDER BY day DESC, event LIMIT 5000"  # noqa: S608
        body = query(api, hogql(sql, MONTH, modifiers=NO_TZ)).json()
        rows = body["results"]
        assert body["types"][1:] == [
            ["day", "UInt32"],
            ["count()", "UInt64"],
            ["min(timestamp)", "DateTime64(6, 'UTC')"],
            ["max(timestamp)", "DateTime64(6, 'UTC')"],
        ]
        assert [(r[1], r[0]) for r in rows] == sorted(((r[1], r[0]) for r in rows), key=lambda k: (-k[0], k[1]))
        assert len({(r[0], r[1]) for r in rows}) == len(rows)
        assert sum(r[2] for r in rows) == sum(epoch_hours(api, MONTH).values())
        assert all(r[3] <= r[4] and int(datetime.fromisoformat(r[3]).timestamp()) // 86400 == r[1] for r in rows)

    def test_given_order_by_count_desc_when_grouping_then_biggest_first(self, api: Api) -> None:
        sql = "SELECT event, count() AS n FROM events GROUP BY event ORDER BY n DESC LIMIT 3"
        rows = query(api, hogql(sql)).json()["results"]
        assert len(rows) == 3
        assert [r[1] for r in rows] == sorted((r[1] for r in rows), reverse=True)

    def test_given_no_limit_when_grouping_then_paged_like_any_query(self, api: Api) -> None:
        body = query(api, hogql("SELECT event, count(*) FROM events GROUP BY event")).json()
        assert (body["hasMore"], body["limit"], body["offset"]) == (False, 100, 0)
        assert (
            sum(r[1] for r in body["results"])
            == query(api, hogql("SELECT count() FROM events")).json()["results"][0][0]
        )

    def test_given_no_matching_rows_when_grouping_then_no_rows_but_plain_count_is_zero(self, api: Api) -> None:
        empty = {"start": "2001-01-01 00:00:00", "end": "2001-01-02 00:00:00"}
        assert query(api, hogql(DENSITY, empty)).json()["results"] == []
        plain = f"SELECT count(), min(timestamp) FROM events WHERE {RANGE}"  # noqa: S608
        assert query(api, hogql(plain, empty)).json()["results"] == [[0, None]]

    @pytest.mark.parametrize(
        ("sql", "detail"),
        [
            ("SELECT event, count() FROM events GROUP BY distinct_id", "Column `event` is not under aggregate"),
            ("SELECT event, count() FROM events", "Column `event` is not under aggregate"),
            ("SELECT intDiv(1, 0) FROM events LIMIT 1", "Division by zero"),
            ("SELECT event FROM events GROUP BY event ORDER BY distinct_id", "ORDER BY distinct_id"),
        ],
    )
    def test_given_invalid_grouping_when_querying_then_400(self, api: Api, sql: str, detail: str) -> None:
        response = query(api, hogql(sql))
        assert response.status_code == 400
        assert response.json()["detail"].startswith(detail)


class TestFunctions:
    def test_given_int_div_when_negative_then_truncated_toward_zero(self, api: Api) -> None:
        sql = "SELECT intDiv(7, 2), intDiv(-7, 2), intDiv(toUnixTimestamp({t}), 60) FROM events LIMIT 1"
        row = query(api, hogql(sql, {"t": "2026-01-01 00:01:59"})).json()["results"][0]
        assert row == [3, -3, 1767225719 // 60]

    def test_given_to_unix_timestamp_when_project_timezone_then_same_epoch(self, api: Api) -> None:
        sql = "SELECT timestamp, toUnixTimestamp(timestamp) FROM events ORDER BY timestamp LIMIT 50"
        rows = query(api, hogql(sql), NEW_YORK).json()["results"]
        assert rows[0][0][-6:] in ("-04:00", "-05:00")
        assert all(int(datetime.fromisoformat(r[0]).timestamp()) == r[1] for r in rows)
