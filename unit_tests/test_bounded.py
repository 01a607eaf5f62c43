"""Pages bounded on both sides by the raw table (query/bounded.py): short and empty pages are not the end."""

import re
from typing import Any

from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.query.bounded import iter_bounded_pages
from source_posthog.streams.query.keyset import TableScan
from source_posthog.streams.query.sql import HogQLTable, KeyColumn, KeyType

TABLE = HogQLTable(
    "person_distinct_ids",
    ("distinct_id", "person_id"),
    (KeyColumn("distinct_id", KeyType.TEXT),),
    raw="raw_person_distinct_ids",
)


class RawAndLive:
    """A raw table (keys with old versions and deleted keys) and its live aggregation; logs each SQL."""

    def __init__(self, raw: list[str], live: list[str], insert_after_bound: str | None = None) -> None:
        self.raw, self.live, self.insert = sorted(raw), sorted(live), insert_after_bound
        self.sql: list[str] = []

    def post_json(self, path: str, body: dict[str, Any], endpoint_class: EndpointClass = EndpointClass.QUERY) -> Any:
        sql, values = body["query"]["query"], body["query"]["values"]
        self.sql.append(sql)
        after = values.get("after_distinct_id", "")
        if sql.startswith("SELECT max("):
            taken = [k for k in self.raw if k > after][: int(sql.rsplit("LIMIT ", 1)[1].rstrip(")"))]
            if self.insert is not None:  # a key inserted between the bound and the page
                self.live, self.raw, self.insert = (
                    sorted([*self.live, self.insert]),
                    sorted([*self.raw, self.insert]),
                    None,
                )
            return {"columns": ["last_key", "raw_rows"], "results": [[taken[-1] if taken else "", len(taken)]]}
        limit = int(sql.rsplit("LIMIT ", 1)[1])
        rows = [[k, "p"] for k in self.live if after < k <= values["upper_key"]][:limit]
        inner = int(re.findall(r"LIMIT (\d+)\)", sql)[0])  # the next bound, asked with the page
        following = [k for k in self.raw if k > values["upper_key"]][:inner]
        bound = [following[-1] if following else "", len(following)]
        return {"columns": ["distinct_id", "person_id", "next_key", "next_rows"], "results": [r + bound for r in rows]}


def read(fake: RawAndLive, rows: int) -> list[str]:
    return [row[0] for page in iter_bounded_pages(TableScan(fake, 1, TABLE, rows)) for row in page.rows]


def test_given_old_versions_and_deleted_keys_when_read_then_every_live_key_once_through_short_and_empty_pages() -> None:
    live = [f"k{i:02}" for i in range(0, 20, 2)]
    raw = [*live, *live[:3], *(f"k{i:02}" for i in range(1, 20, 2)), "k05x", "k05y", "k05z"]  # versions, deleted
    fake = RawAndLive(raw, live)
    assert read(fake, 3) == live
    pages = [sql for sql in fake.sql if not sql.startswith("SELECT max(")]
    assert all("distinct_id <= {upper_key}" in sql and sql.endswith("LIMIT 4") for sql in pages)
    following = "(SELECT count() FROM (SELECT distinct_id FROM raw_person_distinct_ids WHERE distinct_id > {upper_key}"
    assert all(following in sql for sql in pages)
    # Bound queries: the first, and one after the empty page (k05x..k05z hold deleted keys only); every other
    # bound came with the page before it.
    assert len(fake.sql) - len(pages) == 2


def test_given_an_empty_table_when_read_then_one_bound_and_no_page() -> None:
    fake = RawAndLive([], [])
    assert read(fake, 5) == []
    assert len(fake.sql) == 1
    assert "FROM (SELECT distinct_id FROM raw_person_distinct_ids ORDER BY distinct_id ASC LIMIT 5)" in fake.sql[0]


def test_given_a_key_inserted_after_the_bound_when_the_range_overflows_then_no_key_is_lost() -> None:
    live = ["a", "b", "c", "d"]
    fake = RawAndLive(live, live, insert_after_bound="ab")
    assert read(fake, 2) == ["a", "ab", "b", "c", "d"]
    bounds = [sql for sql in fake.sql if sql.startswith("SELECT max(")]
    assert "WHERE distinct_id > {after_distinct_id}" in bounds[1]  # resumed after the last delivered key
