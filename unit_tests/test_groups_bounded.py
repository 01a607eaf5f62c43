"""Groups read by key, bounded on `raw_groups` one group type index at a time (query/bounded.py, tables/scans.py).

`updated_at` is an aggregate of the `groups` argMax (groups.py @5735f4ed): an incremental read filters each
page by its window, and the project's cursor moves only when its read ends.
"""

from datetime import UTC, datetime, timedelta
from typing import Any

from source_posthog.streams.readers import read_stream
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.streams.timestamps import parse_timestamp
from unit_tests.fakes import API, Harness, make_config

GROUPS = STREAMS_BY_NAME["groups"]
NOW = datetime.now(UTC)


def stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def group(index: int, key: str, updated: datetime) -> dict[str, Any]:
    created = stamp(updated - timedelta(days=1))
    return {"index": index, "key": key, "created_at": created, "updated_at": stamp(updated), "properties": "{}"}


class FakeGroups:
    """`raw_groups` (each group twice when `versions`) and the `groups` pages over it; logs each SQL."""

    def __init__(self, rows: list[dict[str, Any]], versions: bool = False) -> None:
        self.rows, self.sql = rows, list[str]()
        self.raw = sorted([(r["index"], r["key"]) for r in rows] * (2 if versions else 1))

    def __call__(self, request: Any, _context: Any) -> dict[str, Any]:
        sql, values = request.json()["query"]["query"], request.json()["query"]["values"]
        self.sql.append(sql)
        if sql.startswith("SELECT max("):
            column = sql.removeprefix("SELECT max(").split(")")[0]
            after = values.get("after_index" if column == "index" else "after_key")
            return {"columns": ["last_key", "raw_rows"], "results": [self.bound(column, values, after, limit(sql))]}
        return self.page(sql, values)

    def bound(self, column: str, values: dict[str, Any], after: Any, rows: int) -> list[Any]:
        if column == "index":
            taken = [i for i, _k in self.raw if after is None or i > after][:rows]
        else:
            taken = [k for i, k in self.raw if i == values["leading_key"] and (after is None or k > after)][:rows]
        return [taken[-1] if taken else "", len(taken)]

    def page(self, sql: str, values: dict[str, Any]) -> dict[str, Any]:
        rows = sorted((r for r in self.rows if r["index"] == values["leading_key"]), key=lambda r: r["key"])
        rows = [r for r in rows if r["key"] <= values["upper_key"] and r["key"] > values.get("after_key", "")]
        if "start" in values:
            start, end = parse_timestamp(values["start"]), parse_timestamp(values["end"])
            rows = [r for r in rows if start <= parse_timestamp(r["updated_at"]) < end]
        columns = ["index", "key", "created_at", "updated_at", "properties"]
        following = self.bound(
            "key", values, values["upper_key"], int(sql.split("LIMIT ")[1].split(")", maxsplit=1)[0])
        )
        results = [[*(r[c] for c in columns), *following] for r in rows[: limit(sql)]]
        return {"columns": [*columns, "next_key", "next_rows"], "results": results}


def limit(sql: str) -> int:
    return int(sql.rsplit("LIMIT ", 1)[1].rstrip(")"))


def states(harness: Harness) -> list[dict[str, Any]]:
    return [m["state"]["stream"]["stream_state"] for m in harness.messages() if m["type"] == "STATE"]


ROWS = [group(i, f"g{j}", NOW - timedelta(minutes=30 * (7 - j) + 5 * i)) for i in (0, 2) for j in range(7)]


def test_given_no_state_when_read_then_every_group_in_key_order_per_index_and_the_cursor_its_newest(
    requests_mock: Any,
) -> None:
    fake = FakeGroups(ROWS, versions=True)
    requests_mock.post(f"{API}/projects/7/query/", json=fake)
    harness = Harness(make_config(events_page_size=3))

    assert read_stream(GROUPS, harness.sync([{"id": 7}]), "incremental", None) == 14

    records = harness.records("groups")
    assert [(r["group_type_index"], r["group_key"]) for r in records] == [(r["index"], r["key"]) for r in ROWS]
    assert all(r["project_id"] == 7 for r in records)
    first_index = "SELECT max(index) AS last_key, count() AS raw_rows FROM (SELECT index FROM raw_groups ORDER BY index"
    assert fake.sql[0] == f"{first_index} ASC LIMIT 1)"
    pages = [sql for sql in fake.sql if " FROM raw_groups WHERE " in sql and "GROUP BY index, key" in sql]
    assert pages
    assert all("index = {leading_key}" in sql and "ORDER BY key ASC" in sql for sql in pages)
    assert not any("ORDER BY updated_at" in sql for sql in fake.sql)
    saved = [state.get("7") for state in states(harness)]
    assert saved[:-1] == [None] * (len(saved) - 1)  # key order: the cursor moves when the project is read
    newest = max(parse_timestamp(r["updated_at"]) for r in ROWS)
    assert parse_timestamp(states(harness)[-1]["7"]["updated_at"]) == newest


def test_given_a_state_when_read_then_the_groups_changed_since_an_hour_before_it(requests_mock: Any) -> None:
    fake = FakeGroups(ROWS)
    requests_mock.post(f"{API}/projects/7/query/", json=fake)
    harness = Harness(make_config(events_page_size=3))
    cursor = NOW - timedelta(minutes=60)
    state = {"7": {"updated_at": stamp(cursor)}}

    read_stream(GROUPS, harness.sync([{"id": 7}]), "incremental", state)

    got = {(r["group_type_index"], r["group_key"]) for r in harness.records("groups")}
    expected = {(r["index"], r["key"]) for r in ROWS if parse_timestamp(r["updated_at"]) >= cursor - timedelta(hours=1)}
    assert got == expected
    assert len(got) < len(ROWS)
    assert parse_timestamp(states(harness)[-1]["7"]["updated_at"]) == max(
        parse_timestamp(r["updated_at"]) for r in ROWS
    )


def test_given_full_refresh_when_read_then_every_group_unfiltered_and_no_state(requests_mock: Any) -> None:
    fake = FakeGroups(ROWS)
    requests_mock.post(f"{API}/projects/7/query/", json=fake)
    harness = Harness()
    assert read_stream(GROUPS, harness.sync([{"id": 7}]), "full_refresh", None) == 14
    assert states(harness) == []
    assert not any("updated_at >=" in sql for sql in fake.sql)


def test_given_no_groups_when_read_then_one_query_and_nothing(requests_mock: Any) -> None:
    fake = FakeGroups([])
    requests_mock.post(f"{API}/projects/7/query/", json=fake)
    harness = Harness()
    assert read_stream(GROUPS, harness.sync([{"id": 7}]), "incremental", None) == 0
    assert len(fake.sql) == 1
    assert states(harness)[-1] == {}
