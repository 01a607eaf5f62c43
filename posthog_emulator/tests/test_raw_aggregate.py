"""A raw person/group table aggregated by the query itself, as the lazy table aggregates it (issue 27): the lazy
table's rows, the raw rows of the key range read (no pushdown assumed), and old ClickHouse's wrapped comparisons
(tables/raw_aggregate.py, query/table_cost.py, query/wrapped_arms.py)."""

from typing import Any

import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, Api, hogql

BOUND = "SELECT max({k}) AS last_key, count() AS raw_rows FROM (SELECT {k} FROM {t}{where} ORDER BY {k} ASC LIMIT {n})"
PERSONS = (
    "SELECT id, argMax(raw_persons.created_at, raw_persons.version) AS created_at, "
    "argMax(raw_persons.properties, raw_persons.version) AS properties FROM raw_persons WHERE {where} "
    "GROUP BY id HAVING argMax(raw_persons.is_deleted, raw_persons.version) = 0 ORDER BY id ASC LIMIT 1000"
)
PDI = (
    "SELECT distinct_id, argMax(raw_person_distinct_ids.person_id, raw_person_distinct_ids.version) AS person_id "
    "FROM raw_person_distinct_ids WHERE distinct_id > {lo} AND distinct_id <= {hi} GROUP BY distinct_id "
    "HAVING argMax(raw_person_distinct_ids.is_deleted, raw_person_distinct_ids.version) = 0 "
    "ORDER BY distinct_id ASC LIMIT 1000"
)
GROUPS = (
    "SELECT index, key, argMax(raw_groups.updated_at, raw_groups.updated_at) AS updated_at FROM raw_groups "
    "WHERE index = 0 AND key <= {hi} GROUP BY index, key HAVING updated_at >= toDateTime64('2000-01-01', 6, 'UTC') "
    "ORDER BY key ASC LIMIT 1000"
)


def post(api: Api, sql: str, values: dict[str, object] | None = None) -> requests.Response:
    return api("POST", f"/api/projects/{MAIN}/query/", json=hogql(sql, values))


def scanned(emu: Emulator) -> int:
    return int(emu.requests[-1]["query_cost"]["scanned_rows"])


def bound(
    api: Api, key: str, table: str, n: int, *, where: str = "", values: dict[str, object] | None = None
) -> list[Any]:
    rows: list[Any] = post(api, BOUND.format(k=key, t=table, where=where, n=n), values).json()["results"][0]
    return rows


def test_given_raw_persons_aggregated_when_read_then_the_lazy_rows_and_only_the_range_read(
    emu: Emulator, api: Api
) -> None:
    last, raw_rows = bound(api, "id", "raw_persons", 60)
    page = post(api, PERSONS.format(where="id <= {hi}"), {"hi": last}).json()["results"]
    assert scanned(emu) == raw_rows == 60  # the raw rows of the range, read once
    lazy = "SELECT id, created_at, properties FROM persons WHERE id <= toUUID({hi}) ORDER BY id ASC LIMIT 1000"
    assert page == post(api, lazy, {"hi": last}).json()["results"]
    assert 0 < len(page) < 60  # older versions: fewer live persons than raw rows


def test_given_old_clickhouse_when_a_key_is_compared_through_touuid_then_every_raw_row_is_read(
    emu: Emulator, api: Api
) -> None:
    everyone = bound(api, "id", "raw_persons", 10**9)[1]
    last = bound(api, "id", "raw_persons", 60)[0]
    emu.configure(limits={"query_cost": {"wrapped_compare_reads_all": True}})
    post(api, PERSONS.format(where="id <= {hi}"), {"hi": last})
    assert scanned(emu) == 60  # a field against a string constant: printed bare, on the primary key
    post(api, PERSONS.format(where="id <= toUUID({hi})"), {"hi": last})
    assert scanned(emu) == everyone  # ifNull(lessOrEquals(id, accurateCastOrNull(..)), 0): the whole table
    post(api, "SELECT id FROM persons WHERE id <= toUUID({hi}) ORDER BY id ASC LIMIT 10", {"hi": last})
    assert scanned(emu) == 2 * everyone  # even the persons prefilter


def test_given_raw_distinct_ids_aggregated_when_read_then_the_lazy_rows_and_only_the_range_read(
    emu: Emulator, api: Api
) -> None:
    lo = bound(api, "distinct_id", "raw_person_distinct_ids", 30)[0]
    hi, raw_rows = bound(
        api, "distinct_id", "raw_person_distinct_ids", 40, where=" WHERE distinct_id > {lo}", values={"lo": lo}
    )
    page = post(api, PDI, {"lo": lo, "hi": hi}).json()["results"]
    assert raw_rows == 40
    assert 40 <= scanned(emu) <= 41  # every raw row of (lo, hi]: an older version of `hi` too
    lazy_page = (
        "SELECT distinct_id, person_id FROM person_distinct_ids WHERE distinct_id > {lo} AND distinct_id <= {hi}"
    )
    assert page == post(api, lazy_page + " ORDER BY distinct_id ASC LIMIT 1000", {"lo": lo, "hi": hi}).json()["results"]
    everyone = bound(api, "distinct_id", "raw_person_distinct_ids", 10**9)[1]
    post(api, lazy_page + " ORDER BY distinct_id ASC LIMIT 1000", {"lo": lo, "hi": hi})
    assert scanned(emu) == everyone  # the lazy table: no pushdown is assumed
    emu.configure(limits={"query_cost": {"grouping_key_pushdown": True}})
    post(api, lazy_page + " ORDER BY distinct_id ASC LIMIT 1000", {"lo": lo, "hi": hi})
    assert 40 <= scanned(emu) <= 41  # ClickHouse's own pushdown, when assumed


def test_given_raw_groups_aggregated_with_a_having_on_an_aggregate_then_the_lazy_rows(emu: Emulator, api: Api) -> None:
    hi, raw_rows = bound(api, "key", "raw_groups", 20, where=" WHERE index = {i}", values={"i": 0})
    page = post(api, GROUPS, {"hi": hi}).json()["results"]
    assert scanned(emu) == raw_rows == 20
    lazy = "SELECT index, key, updated_at FROM groups WHERE index = 0 AND key <= {hi} ORDER BY key ASC LIMIT 1000"
    assert page == post(api, lazy, {"hi": hi}).json()["results"]


def test_given_an_aggregation_unlike_the_lazy_tables_when_asked_then_400(api: Api) -> None:
    no_deleted = PERSONS.format(where="id > {lo}").split(" HAVING ")[0] + " ORDER BY id LIMIT 5"
    answer = post(api, no_deleted, {"lo": "00000000-0000-0000-0000-000000000000"})
    assert answer.status_code == 400
    assert "argMax(is_deleted, version) = 0" in answer.json()["detail"]
    by_other_key = "SELECT person_id, argMax(raw_person_distinct_ids.distinct_id, raw_person_distinct_ids.version) "
    by_other_key += "AS distinct_id FROM raw_person_distinct_ids GROUP BY person_id LIMIT 5"
    assert post(api, by_other_key).status_code == 400


def test_given_lasting_data_built_when_reset_or_indexed_then_settled_once_each(emu: Emulator, api: Api) -> None:
    """`python -m posthog_emulator` freezes what lasts (Runtime.settle = gc.freeze): the data and every index."""
    settled: list[int] = []
    emu.app.rt.settle = lambda: settled.append(len(settled))
    try:
        emu.reset()
        assert len(settled) == 1  # the rebuilt dataset
        bound(api, "distinct_id", "raw_person_distinct_ids", 10)
        built = len(settled)
        assert built >= 3  # the person index and the raw keys
        bound(api, "distinct_id", "raw_person_distinct_ids", 10)
        assert len(settled) == built  # cached: nothing new to settle
    finally:
        emu.app.rt.settle = lambda: None
