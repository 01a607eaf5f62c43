"""`Faults.persons_query_row_limit`: person-table queries over that many rows answer PostHog's 10 s 504."""

import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, Api, hogql
from posthog_emulator.tests.test_query_cost import TIMEOUT_BODY

GROUPED = (
    "SELECT person_id, groupArray(distinct_id) AS distinct_ids FROM person_distinct_ids "
    "WHERE person_id >= toUUID({lo}) AND person_id <= toUUID({hi}) GROUP BY person_id LIMIT 50000"
)


def post(api: Api, sql: str, values: dict[str, str] | None = None) -> requests.Response:
    return api("POST", f"/api/projects/{MAIN}/query/", json=hogql(sql, values))


def test_given_row_limit_when_a_persons_page_asks_more_then_the_10_second_504(emu: Emulator, api: Api) -> None:
    emu.configure(faults={"persons_query_row_limit": 100})
    response = post(api, "SELECT id FROM persons ORDER BY id LIMIT 101")
    assert response.status_code == 504
    assert response.json() == TIMEOUT_BODY
    assert emu.requests[-1]["query_cost"]["timed_out"] is True
    assert post(api, "SELECT id FROM persons ORDER BY id LIMIT 100").status_code == 200
    by_distinct_id = "SELECT distinct_id, person_id FROM person_distinct_ids ORDER BY distinct_id LIMIT {n}"
    assert post(api, by_distinct_id.format(n=101)).status_code == 504
    assert post(api, by_distinct_id.format(n=100)).status_code == 200


def test_given_row_limit_when_grouped_distinct_ids_match_more_then_504(emu: Emulator, api: Api) -> None:
    ids = [row[0] for row in post(api, "SELECT id FROM persons ORDER BY id LIMIT 200").json()["results"]]
    small = {"lo": ids[0], "hi": ids[9]}
    matched = sum(len(row[1]) for row in post(api, GROUPED, small).json()["results"])
    emu.configure(faults={"persons_query_row_limit": matched})
    assert post(api, GROUPED, small).status_code == 200  # LIMIT 50000 alone does not count here
    response = post(api, GROUPED, {"lo": ids[0], "hi": ids[10]})
    assert (response.status_code, response.json()) == (504, TIMEOUT_BODY)


def test_other_tables_and_no_limit_are_untouched(emu: Emulator, api: Api) -> None:
    assert post(api, "SELECT id FROM persons ORDER BY id LIMIT 5000").status_code == 200
    emu.configure(faults={"persons_query_row_limit": 10})
    assert post(api, "SELECT index, key FROM groups ORDER BY index, key LIMIT 1000").status_code == 200
    assert post(api, "SELECT uuid FROM events ORDER BY timestamp LIMIT 1000").status_code == 200


def test_given_row_limit_when_submitted_async_then_no_time_limit(emu: Emulator, api: Api) -> None:
    emu.configure(faults={"persons_query_row_limit": 10})
    body = hogql("SELECT id FROM persons ORDER BY id LIMIT 100", refresh="force_async")
    started = api("POST", f"/api/projects/{MAIN}/query/", json=body)
    assert started.status_code == 202, started.text
