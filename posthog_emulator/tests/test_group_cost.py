"""Groups at scale (issue 27): `raw_groups` as a table and as a bound, and the raw rows a `groups` query reads:
every raw row of the team, or, when ClickHouse's push-down of (index, key) arms below the argMax is assumed
(`grouping_key_pushdown`, not in PostHog's code), that range (query/table_cost.py, tables/raw_groups.py)."""

import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, Api, hogql

BOUND = (
    "SELECT max({c}) AS last_key, count() AS raw_rows FROM "
    "(SELECT {c} FROM raw_groups{where} ORDER BY {c} ASC LIMIT {n})"
)
PAGE = "SELECT index, key FROM groups WHERE index = {i} AND key <= {hi}{lower} ORDER BY key ASC LIMIT 1000"


def post(api: Api, sql: str, values: dict[str, object] | None = None) -> requests.Response:
    return api("POST", f"/api/projects/{MAIN}/query/", json=hogql(sql, values))


def scanned(emu: Emulator) -> int:
    return int(emu.requests[-1]["query_cost"]["scanned_rows"])


def test_given_raw_groups_when_bounded_per_index_then_n_raw_rows_read_and_fewer_live_groups(
    emu: Emulator, api: Api
) -> None:
    first = post(api, BOUND.format(c="index", where="", n=1)).json()
    assert first["results"] == [[0, 1]]
    assert scanned(emu) == 1
    nxt = post(api, BOUND.format(c="index", where=" WHERE (index > {a})", n=1), {"a": 0}).json()["results"]
    assert nxt == [[1, 1]]
    ((last, raw_rows),) = post(api, BOUND.format(c="key", where=" WHERE index = {i}", n=20), {"i": 0}).json()["results"]
    assert raw_rows == 20
    assert scanned(emu) == 20
    page = post(api, PAGE.replace("{lower}", ""), {"i": 0, "hi": last}).json()["results"]
    assert 0 < len(page) <= 20
    assert page[-1] == [0, last]
    assert scanned(emu) > 65  # nothing in PostHog's code moves the WHERE below the GROUP BY: the team
    emu.configure(limits={"query_cost": {"grouping_key_pushdown": True}})
    post(api, PAGE.replace("{lower}", ""), {"i": 0, "hi": last})
    assert scanned(emu) == 20  # the pushed-down range, when ClickHouse's push-down is assumed
    rest = post(api, PAGE.replace("{lower}", " AND key > {lo}"), {"i": 0, "hi": last, "lo": page[2][1]}).json()
    assert rest["results"] == page[3:]


def test_given_a_groups_query_without_a_key_range_when_costed_then_every_raw_row(emu: Emulator, api: Api) -> None:
    everyone = sum(post(api, BOUND.format(c="index", where="", n=10**9)).json()["results"][0][1:])
    post(api, "SELECT index, key FROM groups WHERE updated_at > toDateTime64('2000-01-01', 6, 'UTC') LIMIT 5")
    assert scanned(emu) == everyone > 65  # an older version for some of the 65 groups
    post(api, "SELECT index, key FROM groups WHERE (index > 0 OR (index = 0 AND key > 'a')) ORDER BY index LIMIT 5")
    assert scanned(emu) == everyone  # an OR narrows nothing
