"""The HogQL queries (sql.py): typed keyset SQL, half-open UTC ranges, key order and LIMIT."""

from datetime import UTC, datetime

from source_posthog.streams.query.sql import (
    Bounds,
    HogQLTable,
    KeyColumn,
    KeyType,
    after_condition,
    build_query,
)
from source_posthog.streams.query.tables import EVENTS_TABLE

DAY0 = datetime(2024, 1, 1, tzinfo=UTC)
DAY1 = datetime(2024, 1, 2, tzinfo=UTC)
PERSONS = HogQLTable("persons", ("id", "created_at", "properties"), (KeyColumn("id", KeyType.UUID),))
GROUPS = HogQLTable(
    "groups", ("index", "key", "properties"), (KeyColumn("index", KeyType.INTEGER), KeyColumn("key", KeyType.TEXT))
)


class TestBuildQuery:
    def test_given_bounds_when_built_then_half_open_utc_range_in_key_order_with_limit(self) -> None:
        body = build_query(EVENTS_TABLE, "q", 501, [Bounds("timestamp", DAY0, DAY1).condition()])
        sql = body["query"]["query"]
        assert "timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC')" in sql
        assert sql.endswith("ORDER BY timestamp ASC, uuid ASC LIMIT 501")
        assert "OFFSET" not in sql
        assert body["query"]["values"] == {"start": "2024-01-01 00:00:00.000000", "end": "2024-01-02 00:00:00.000000"}
        assert body["query"]["modifiers"] == {"convertToProjectTimezone": False}
        assert body["refresh"] == "force_blocking"

    def test_given_after_when_built_then_each_key_compared_as_its_own_type(self) -> None:
        sql, values = after_condition(EVENTS_TABLE.key, (datetime(2024, 1, 1, 10, 0, 0, 1, tzinfo=UTC), "u-7"))
        assert sql == (
            "(timestamp > toDateTime64({after_timestamp}, 6, 'UTC') OR (timestamp = toDateTime64({after_timestamp}, "
            "6, 'UTC') AND uuid > toUUID({after_uuid})))"
        )
        assert values == {"after_timestamp": "2024-01-01 10:00:00.000001", "after_uuid": "u-7"}

    def test_given_no_bounds_and_no_after_when_built_then_no_where(self) -> None:
        sql = build_query(PERSONS, "q", 11)["query"]["query"]
        assert sql == "SELECT id, created_at, properties FROM persons ORDER BY id ASC LIMIT 11"
