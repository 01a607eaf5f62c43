"""HogQL tables other than events: persons, person_distinct_ids, groups; groups_types; persons churning mid-read."""

from typing import Any

import orjson
import pytest

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, Api, hogql, session_for

NO_TZ = {"convertToProjectTimezone": False}
TABLES = {
    "persons": ("id, created_at, properties, is_identified", "id", "toUUID({after})"),
    "person_distinct_ids": ("distinct_id, person_id", "distinct_id", "{after}"),
}


def read_table(post: Any, table: str, page: int) -> list[list[Any]]:
    """A keyset read of `table` by its one-column key, as the connector pages it."""
    columns, key, literal = TABLES[table]
    rows: list[list[Any]] = []
    after: Any = None
    while True:
        where = f" WHERE {key} > {literal}" if after is not None else ""
        sql = f"SELECT {columns} FROM {table}{where} ORDER BY {key} ASC LIMIT {page}"  # noqa: S608
        body = post(hogql(sql, {"after": after} if after is not None else {}, modifiers=NO_TZ))
        rows += body["results"]
        if len(body["results"]) < page:
            return rows
        after = body["results"][-1][0]


def poster(api: Api, pid: int = MAIN) -> Any:
    def post(body: dict[str, object]) -> Any:
        response = api("POST", f"/api/projects/{pid}/query/", json=body)
        assert response.status_code == 200, response.text
        return response.json()

    return post


@pytest.mark.parametrize("table", sorted(TABLES))
def test_keyset_read_of_a_table_is_its_truth(emu: Emulator, api: Api, table: str) -> None:
    rows = read_table(poster(api), table, 70)
    truth = emu.truth("persons_table" if table == "persons" else table)[MAIN]
    assert sorted(row[0] for row in rows) == truth


def test_persons_come_in_clickhouse_uuid_order_with_their_columns(api: Api) -> None:
    body = poster(api)(hogql("SELECT id, created_at, properties, is_identified FROM persons ORDER BY id LIMIT 5"))
    assert body["columns"] == ["id", "created_at", "properties", "is_identified"]
    assert next(t[1] for t in body["types"]) == "UUID"
    ids = [row[0] for row in poster(api)(hogql("SELECT id FROM persons ORDER BY id LIMIT 1000"))["results"]]
    halves = [(i.replace("-", "")[16:], i.replace("-", "")[:16]) for i in ids]
    assert halves == sorted(halves)
    assert ids != sorted(ids)
    row = body["results"][0]
    assert isinstance(orjson.loads(row[2]), dict)
    assert isinstance(row[3], bool)
    assert row[1].endswith("Z")


def test_merged_people_own_several_distinct_ids(api: Api) -> None:
    rows = read_table(poster(api), "person_distinct_ids", 50_000)
    per_person: dict[str, int] = {}
    for _distinct, person in rows:
        per_person[person] = per_person.get(person, 0) + 1
    assert min(per_person.values()) >= 2
    assert max(per_person.values()) >= 3


def test_groups_of_two_types_by_index_and_key(emu: Emulator, api: Api) -> None:
    sql = "SELECT index, key, created_at, updated_at, properties FROM groups"
    after = " WHERE (index > {i} OR (index = {i} AND key > {k}))"
    first = poster(api)(hogql(f"{sql} ORDER BY index ASC, key ASC LIMIT 30"))["results"]
    last = first[-1]
    rest = poster(api)(hogql(f"{sql}{after} ORDER BY index, key LIMIT 1000", {"i": last[0], "k": last[1]}))["results"]
    keys = [[row[0], row[1]] for row in first + rest]
    assert keys == emu.truth("groups")[MAIN]
    assert {k[0] for k in keys} == {0, 1}
    assert all(row[2] <= row[3] for row in first)


def test_group_types_is_a_plain_list(api: Api) -> None:
    body = api("GET", f"/api/projects/{MAIN}/groups_types/").json()
    assert [t["group_type_index"] for t in body] == [0, 1]
    assert set(body[0]) == {"group_type", "group_type_index", "name_singular", "name_plural"}


def test_group_types_need_group_read(emu: Emulator) -> None:
    s = session_for(emu, emu.keys["original_scopes"])
    assert s.get(f"{emu.base_url}/api/projects/{MAIN}/groups_types/", timeout=10).status_code == 403


def test_unknown_table_is_a_400(api: Api) -> None:
    response = api("POST", f"/api/projects/{MAIN}/query/", json=hogql("SELECT id FROM cohortpeople LIMIT 1"))
    assert response.status_code == 400
    assert "Unknown table" in response.text


@pytest.mark.parametrize("churn", [False, True])
def test_persons_churn_in_the_middle_of_a_read(fresh: Emulator, churn: bool) -> None:
    before = set(fresh.truth("persons_table")[MAIN])
    if churn:
        fresh.configure(faults={"persons_churn_after": 2, "persons_churn": 10})
    s = session_for(fresh)
    rows = read_table(
        lambda body: s.post(f"{fresh.base_url}/api/projects/{MAIN}/query/", json=body).json(), "persons", 40
    )
    after = set(fresh.truth("persons_table")[MAIN])
    assert len(before - after) == (20 if churn else 0)
    distinct_ids = sum(len(p) for p in fresh.truth("person_distinct_ids").values())
    assert distinct_ids > 0
    assert after <= {row[0] for row in rows} <= before


def test_distinct_ids_grouped_by_person_over_a_range(emu: Emulator, api: Api) -> None:
    people = poster(api)(hogql("SELECT id FROM persons ORDER BY id LIMIT 40"))["results"]
    sql = (
        "SELECT person_id, groupArray(distinct_id) AS distinct_ids FROM person_distinct_ids "
        "WHERE person_id >= toUUID({lo}) AND person_id <= toUUID({hi}) GROUP BY person_id LIMIT 50000"
    )
    body = poster(api)(hogql(sql, {"lo": people[0][0], "hi": people[-1][0]}))
    assert body["columns"] == ["person_id", "distinct_ids"]
    got = {row[0]: sorted(row[1]) for row in body["results"]}
    stored = {p["id"]: sorted(p["distinct_ids"]) for p in emu.app.rt.dataset.persons[MAIN]}
    assert got == {row[0]: stored[row[0]] for row in people}


@pytest.mark.parametrize("static", [False, True])
def test_cohort_people_by_kind_keyed_on_cohort_and_person(emu: Emulator, api: Api, static: bool) -> None:
    table = "static_cohort_people" if static else "cohort_people"
    sql = f"SELECT cohort_id, person_id FROM {table} ORDER BY cohort_id, person_id LIMIT 50000"  # noqa: S608
    rows = poster(api)(hogql(sql))["results"]
    cohorts = {c["id"]: c for c in emu.app.rt.dataset.entities[MAIN]["cohorts"]}
    assert rows
    assert all(cohorts[cid]["is_static"] is static and not cohorts[cid]["deleted"] for cid, _ in rows)
    other = "cohort_people" if static else "static_cohort_people"
    others = poster(api)(hogql(f"SELECT cohort_id, person_id FROM {other} ORDER BY cohort_id LIMIT 50000"))  # noqa: S608
    assert sorted(rows + others["results"]) == emu.truth("cohort_members")[MAIN]
