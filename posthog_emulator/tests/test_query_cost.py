"""Simulated query cost (rows in the touched days, rows in range, rows returned) and PostHog's 10 s limit."""

import time
from typing import Any

import pytest
import requests

from posthog_emulator import Emulator, QueryCost
from posthog_emulator.tests.conftest import MAIN, Api, hogql

RANGE = "timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC')"
PAGE = f"SELECT uuid, timestamp FROM events WHERE {RANGE} ORDER BY timestamp, uuid LIMIT 10"  # noqa: S608
DAY = {"start": "2026-10-10 00:00:00", "end": "2026-10-11 00:00:00"}
ACROSS_MIDNIGHT = {"start": "2026-10-10 12:00:00", "end": "2026-10-11 12:00:00"}
TIMEOUT_BODY = {
    "type": "server_error",
    "code": "error",
    "detail": "This query hit the 10-second time limit for queries run through the API. Submit it as an async "
    "query to give it more time: https://posthog.com/docs/api/queries#asynchronous-queries. You can also narrow "
    "the date range or the filters so it scans less data: https://posthog.com/docs/api/queries",
    "attr": None,
}


def post(api: Api, sql: str, values: dict[str, str] | None = None, **extra: object) -> requests.Response:
    return api("POST", f"/api/projects/{MAIN}/query/", json=hogql(sql, values, **extra))


def count(api: Api, start: str, end: str) -> int:
    rows = post(api, f"SELECT count() FROM events WHERE {RANGE}", {"start": start, "end": end}).json()["results"]  # noqa: S608
    return int(rows[0][0])


def last_cost(emu: Emulator) -> dict[str, Any]:
    cost: dict[str, Any] = emu.requests[-1]["query_cost"]
    return cost


class TestRowsCounted:
    def test_given_cost_off_when_querying_then_rows_logged_and_no_time_spent(self, api: Api, emu: Emulator) -> None:
        assert post(api, PAGE, DAY).status_code == 200
        cost = last_cost(emu)
        assert (cost["simulated_s"], cost["timed_out"], cost["returned_rows"]) == (0.0, False, 10)
        assert cost["scanned_rows"] == cost["matched_rows"] == count(api, DAY["start"], DAY["end"]) > 10

    def test_given_window_across_midnight_when_querying_then_both_whole_days_scanned(
        self, api: Api, emu: Emulator
    ) -> None:
        post(api, PAGE, ACROSS_MIDNIGHT)
        cost = last_cost(emu)
        assert cost["scanned_rows"] == count(api, "2026-10-10 00:00:00", "2026-10-12 00:00:00")
        assert cost["matched_rows"] == count(api, ACROSS_MIDNIGHT["start"], ACROSS_MIDNIGHT["end"])
        assert cost["scanned_rows"] > cost["matched_rows"]

    def test_given_no_timestamp_bound_when_querying_then_every_row_scanned(self, api: Api, emu: Emulator) -> None:
        total = len(emu.truth("events")[MAIN])
        created = RANGE.replace("timestamp", "created_at")
        post(api, f"SELECT uuid FROM events WHERE {created} ORDER BY timestamp LIMIT 10", DAY)  # noqa: S608
        assert (last_cost(emu)["scanned_rows"], last_cost(emu)["matched_rows"]) == (total, total)

    def test_given_keyset_page_when_querying_then_matched_is_the_rest_of_the_window(
        self, api: Api, emu: Emulator
    ) -> None:
        first = post(api, PAGE, DAY, modifiers={"convertToProjectTimezone": False}).json()["results"]
        after_ts = str(first[-1][1]).replace("T", " ").removesuffix("Z")
        at = "toDateTime64({t}, 6, 'UTC')"
        keyset = f"({RANGE}) AND (timestamp > {at} OR (timestamp = {at} AND uuid > toUUID({{u}})))"
        sql = f"SELECT uuid FROM events WHERE {keyset} ORDER BY timestamp, uuid LIMIT 10"  # noqa: S608
        post(api, sql, DAY | {"t": after_ts, "u": str(first[-1][0])})
        cost = last_cost(emu)
        assert cost["matched_rows"] == count(api, after_ts, DAY["end"]) >= count(api, DAY["start"], DAY["end"]) - 10
        assert cost["returned_rows"] == 10


class TestSimulatedTime:
    def test_given_factors_when_querying_then_simulated_time_follows_the_formula(self, api: Api, emu: Emulator) -> None:
        emu.configure(limits={"query_cost": {"fixed_s": 0.01, "per_scanned_row_s": 1e-6, "per_matched_row_s": 1e-5}})
        emu.configure(limits={"query_cost": {"per_returned_row_s": 1e-4}})
        post(api, PAGE, ACROSS_MIDNIGHT)
        cost = last_cost(emu)
        expected = 0.01 + cost["scanned_rows"] * 1e-6 + cost["matched_rows"] * 1e-5 + 10 * 1e-4
        assert cost["simulated_s"] == pytest.approx(expected, abs=1e-6)
        post(api, f"SELECT count() FROM events WHERE {RANGE}", ACROSS_MIDNIGHT)  # noqa: S608
        cost = last_cost(emu)
        expected = 0.01 + cost["scanned_rows"] * 1e-6 + cost["matched_rows"] * 1e-5 * 0.05 + 1e-4
        assert cost["simulated_s"] == pytest.approx(expected, abs=1e-6)

    def test_given_time_limit_exceeded_when_querying_then_posthogs_504_until_narrowed(
        self, api: Api, emu: Emulator
    ) -> None:
        per_row = 20 / count(api, ACROSS_MIDNIGHT["start"], ACROSS_MIDNIGHT["end"])  # the window costs 20 s
        emu.configure(limits={"query_cost": {"per_matched_row_s": per_row, "time_limit_s": 10}})
        for _ in range(2):  # retrying the same query gets the same answer
            refused = post(api, PAGE, ACROSS_MIDNIGHT)
            assert (refused.status_code, refused.json()) == (504, TIMEOUT_BODY)
            assert last_cost(emu)["timed_out"] is True
        narrow = {"start": "2026-10-10 12:00:00", "end": "2026-10-10 14:00:00"}
        assert post(api, PAGE, narrow).status_code == 200

    def test_given_scaled_limit_when_timed_out_then_detail_names_it(self, api: Api, emu: Emulator) -> None:
        emu.configure(limits={"query_cost": {"fixed_s": 1.0, "time_limit_s": 0.5}})
        detail = post(api, PAGE, DAY).json()["detail"]
        assert detail.startswith("This query hit the 0.5-second time limit for queries run through the API.")

    def test_given_async_query_when_over_the_limit_then_accepted(self, api: Api, emu: Emulator) -> None:
        emu.configure(limits={"query_cost": {"fixed_s": 11.0, "time_limit_s": 10, "sleep": True}})
        started = time.monotonic()
        assert post(api, PAGE, DAY, refresh="async").status_code == 202
        assert time.monotonic() - started < 1

    def test_given_sleep_when_querying_then_the_simulated_time_and_at_most_the_limit_pass(
        self, api: Api, emu: Emulator
    ) -> None:
        emu.configure(limits={"query_cost": {"fixed_s": 0.3, "sleep": True}})
        started = time.monotonic()
        assert post(api, PAGE, DAY).status_code == 200
        assert time.monotonic() - started >= 0.3
        emu.configure(limits={"query_cost": {"fixed_s": 5.0, "time_limit_s": 0.2, "sleep": True}})
        started = time.monotonic()
        assert post(api, PAGE, DAY).status_code == 504
        assert 0.2 <= time.monotonic() - started < 2


class TestPreset:
    def test_given_real_preset_when_scaled_then_every_duration_scaled(self) -> None:
        real, tenth = QueryCost.real(), QueryCost.real(time_scale=0.1)
        assert (real.time_limit_s, real.sleep, tenth.time_limit_s) == (10.0, True, 1.0)
        assert tenth.fixed_s == pytest.approx(real.fixed_s / 10)
        assert tenth.per_matched_row_s == pytest.approx(real.per_matched_row_s / 10)
        dense = QueryCost.real(row_scale=1000)
        assert dense.per_scanned_row_s == pytest.approx(real.per_scanned_row_s * 1000)
        assert dense.per_returned_row_s == real.per_returned_row_s
        assert QueryCost() == QueryCost(time_limit_s=None, sleep=False)  # off by default

    def test_given_admin_configure_when_setting_query_cost_then_applied_and_validated(self, emu: Emulator) -> None:
        config = requests.post(
            f"{emu.admin_url}/configure", json={"limits": {"query_cost": {"time_limit_s": 3}}}, timeout=10
        ).json()
        assert config["limits"]["query_cost"]["time_limit_s"] == 3
        assert emu.app.rt.limits.query_cost.time_limit_s == 3
        bad = requests.post(f"{emu.admin_url}/configure", json={"limits": {"query_cost": {"nope": 1}}}, timeout=10)
        assert bad.status_code == 400
