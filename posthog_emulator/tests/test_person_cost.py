"""Person tables at scale (issue 27): raw tables' bounds, two-sided pages, rows read by PostHog's push-down rules,
the 10 s limit on them, and the per-team read budget (429 + Retry-After)."""

import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, Api, hogql

BOUND = (
    "SELECT max(id) AS last_key, count() AS raw_rows FROM (SELECT id FROM raw_persons{where} ORDER BY id ASC LIMIT {n})"
)
PAGE = "SELECT id FROM persons WHERE id <= toUUID({hi}){lower} ORDER BY id ASC LIMIT 101"
PDI_BOUND = (
    "SELECT max(distinct_id) AS last_key, count() AS raw_rows FROM "
    "(SELECT distinct_id FROM raw_person_distinct_ids ORDER BY distinct_id ASC LIMIT {n})"
)


def post(api: Api, sql: str, values: dict[str, str] | None = None) -> requests.Response:
    return api("POST", f"/api/projects/{MAIN}/query/", json=hogql(sql, values))


def scanned(emu: Emulator) -> int:
    return int(emu.requests[-1]["query_cost"]["scanned_rows"])


def test_given_raw_persons_when_bounded_then_n_raw_rows_read_and_the_page_holds_fewer_live_persons(
    emu: Emulator, api: Api
) -> None:
    answer = post(api, BOUND.format(where="", n=100)).json()
    assert answer["columns"] == ["last_key", "raw_rows"]
    ((last, raw_rows),) = answer["results"]
    assert raw_rows == 100
    assert scanned(emu) == 100  # read in sort order, up to the LIMIT
    page = post(api, PAGE.replace("{lower}", ""), {"hi": last}).json()["results"]
    assert 0 < len(page) < 100  # older versions: fewer live persons than raw rows
    assert page[-1][0] == last
    assert scanned(emu) <= 2 * 101  # prefilter and argMax over the range, not the table
    after = {"hi": last, "lo": page[len(page) // 2][0]}
    rest = post(api, PAGE.replace("{lower}", " AND (id > toUUID({lo}))"), after).json()["results"]
    assert rest == page[len(page) // 2 + 1 :]


def test_given_a_one_sided_persons_page_when_costed_then_it_reads_the_rest_of_the_table_twice(
    emu: Emulator, api: Api
) -> None:
    everyone = post(api, BOUND.format(where="", n=10**9)).json()["results"][0][1]
    post(api, "SELECT id FROM persons ORDER BY id ASC LIMIT 10")
    assert scanned(emu) == 2 * everyone  # the LIMIT reaches nothing below the aggregation
    grouped = (
        "SELECT person_id, groupArray(distinct_id) AS d FROM person_distinct_ids "
        "WHERE person_id >= toUUID({a}) GROUP BY person_id LIMIT 5"
    )
    post(api, grouped, {"a": "00000000-0000-0000-0000-000000000000"})
    whole = post(api, PDI_BOUND.format(n=10**9)).json()["results"][0][1]
    assert scanned(emu) == whole  # the whole team's distinct ids, as before the query above
    emu.configure(limits={"query_cost": {"per_person_row_s": 1.0, "time_limit_s": 10.0}})
    assert post(api, "SELECT id FROM persons ORDER BY id ASC LIMIT 10").status_code == 504
    assert post(api, BOUND.format(where="", n=5)).status_code == 200  # narrow rows cost nothing here


def test_given_a_read_budget_when_spent_then_429_with_retry_after_until_refilled(emu: Emulator, api: Api) -> None:
    emu.configure(limits={"read_budget_rows_per_hour": 3600.0, "read_budget_capacity_hours": 50 / 3600})
    assert post(api, BOUND.format(where="", n=80)).status_code == 200  # 80 rows: the balance goes to -30
    refused = post(api, BOUND.format(where="", n=1))
    assert refused.status_code == 429
    assert refused.json()["type"] == "throttled_error"
    assert 1 <= int(refused.headers["Retry-After"]) <= 31  # 30 rows at one row a second
    emu.configure(limits={"read_budget_rows_per_hour": None})
    assert post(api, BOUND.format(where="", n=1)).status_code == 200


def test_given_a_page_with_its_next_bound_when_asked_then_each_row_carries_the_bound_query_answer(
    emu: Emulator, api: Api
) -> None:
    ((first_last, _n),) = post(api, BOUND.format(where="", n=50)).json()["results"]
    ((next_last, next_n),) = post(api, BOUND.format(where=" WHERE id > toUUID({hi})", n=50), {"hi": first_last}).json()[
        "results"
    ]
    inner = "SELECT id FROM raw_persons WHERE id > toUUID({hi}) ORDER BY id ASC LIMIT 50"
    scalars = f", (SELECT max(id) FROM ({inner})) AS next_key, (SELECT count() FROM ({inner})) AS next_rows"  # noqa: S608
    sql = PAGE.replace("{lower}", "").replace(" FROM persons", f"{scalars} FROM persons")
    answer = post(api, sql, {"hi": first_last}).json()
    assert answer["columns"] == ["id", "next_key", "next_rows"]
    assert {(row[1], row[2]) for row in answer["results"]} == {(next_last, next_n)}
    assert scanned(emu) <= 2 * 51 + 2 * 50  # the page, and both subqueries' raw rows
