"""Custom query streams (streams/custom/): config, rows of the table, ClickHouse types, SQL around the query, state."""

from typing import Any

import pytest

from source_posthog.errors import ConfigError
from source_posthog.streams.custom.columns import json_schema, key_type, record_schema
from source_posthog.streams.custom.cursor import parse_custom_state, resume_key
from source_posthog.streams.custom.streams import custom_stream, custom_streams
from source_posthog.streams.query.planning import hourly_counts
from source_posthog.streams.query.sql import Bounds, HogQLTable, KeyColumn, KeyType, build_query
from source_posthog.streams.stream import CustomSpec
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME, streams_for
from unit_tests.fakes import API, Harness, make_config
from unit_tests.test_sql import DAY0, DAY1

QUERY = {
    "name": "llm",
    "query": "SELECT uuid, timestamp FROM events;",
    "primary_key": ["uuid"],
    "cursor_field": "timestamp",
}


class TestJsonSchema:
    @pytest.mark.parametrize(
        ("clickhouse", "schema"),
        [
            ("Int64", {"type": "integer"}),
            ("UInt8", {"type": "integer"}),
            ("Float64", {"type": "number"}),
            ("Decimal(18, 2)", {"type": "number"}),
            ("Bool", {"type": "boolean"}),
            ("DateTime64(6, 'UTC')", {"type": "string", "format": "date-time"}),
            ("Date", {"type": "string", "format": "date"}),
            ("UUID", {"type": "string", "format": "uuid"}),
            ("LowCardinality(String)", {"type": "string"}),
            ("Nullable(Float64)", {"type": ["number", "null"]}),
            ("Array(Nullable(String))", {"type": "array", "items": {"type": ["string", "null"]}}),
            ("Tuple(String, Int64)", {"type": "array"}),
            ("Map(String, String)", {"type": "object"}),
            ("Nullable(Nothing)", {"type": "null"}),
            ("AggregateFunction(uniq, String)", {}),
            ("", {}),
        ],
    )
    def test_given_a_clickhouse_type_then_its_json_schema(self, clickhouse: str, schema: dict[str, Any]) -> None:
        assert json_schema(clickhouse) == schema

    @pytest.mark.parametrize(
        ("clickhouse", "kind"),
        [
            ("Nullable(DateTime64(6, 'UTC'))", KeyType.DATETIME),
            ("UUID", KeyType.UUID),
            ("Int64", KeyType.INTEGER),
            ("String", KeyType.TEXT),
        ],
    )
    def test_given_a_key_type_then_how_it_is_compared(self, clickhouse: str, kind: KeyType) -> None:
        assert key_type(clickhouse) is kind

    def test_given_columns_then_project_id_added_and_key_required(self) -> None:
        schema = record_schema([("uuid", "UUID"), ("cost", "Nullable(Float64)")], ("uuid",))
        assert schema["properties"]["project_id"] == {"type": "integer"}
        assert schema["required"] == ["project_id", "uuid"]


class TestCustomStreams:
    def test_given_a_query_then_a_row_after_the_table_keyed_by_project(self) -> None:
        config = make_config(custom_queries=[QUERY])
        streams = streams_for(config)
        assert streams[: len(STREAMS)] == STREAMS
        (row,) = streams[len(STREAMS) :]
        assert row.name == "llm"
        assert row.scope == "query:read"
        assert row.cursor_field == "timestamp"
        assert row.primary_key == ("project_id", "uuid")
        assert row.read.query == "SELECT uuid, timestamp FROM events"  # the trailing semicolon would end FROM (...)

    def test_given_a_built_in_name_then_config_error(self) -> None:
        with pytest.raises(ConfigError, match="'events' is already a built-in stream"):
            custom_streams(make_config(custom_queries=[{**QUERY, "name": "events"}]), STREAMS_BY_NAME)

    @pytest.mark.parametrize(
        "bad",
        [
            [QUERY, QUERY],
            [{**QUERY, "name": "Bad Name"}],
            [{**QUERY, "primary_key": []}],
            [{**QUERY, "primary_key": ["properties.$x"]}],
            [{**QUERY, "query": ""}],
            [{**QUERY, "surprise": 1}],
        ],
    )
    def test_given_a_malformed_entry_then_the_config_is_refused(self, bad: list[dict[str, Any]]) -> None:
        with pytest.raises(ConfigError, match="custom_queries"):
            make_config(custom_queries=bad)


class TestQueriesAroundIt:
    def test_given_a_subquery_table_then_select_star_from_it_in_key_order(self) -> None:
        table = HogQLTable("llm", ("uuid", "model"), (KeyColumn("uuid", KeyType.UUID),), source="(SELECT 1)")
        sql = build_query(table, "q", 11, after=("u-1",))["query"]["query"]
        assert sql == "SELECT * FROM (SELECT 1) WHERE (uuid > toUUID({after_uuid})) ORDER BY uuid ASC LIMIT 11"

    def test_given_a_custom_source_then_its_density_is_counted_on_its_cursor(self, requests_mock: Any) -> None:
        mock = requests_mock.post(f"{API}/projects/1/query/", json={"columns": ["hour", "c"], "results": [[473352, 4]]})
        counts = hourly_counts(Harness().client, 1, Bounds("created", DAY0, DAY1), source="(SELECT created FROM t)")
        assert sum(counts.values()) == 4
        sql = mock.last_request.json()["query"]["query"]
        assert sql.startswith(
            "SELECT intDiv(toUnixTimestamp(created), 3600) AS hour, count() FROM (SELECT created FROM t)"
        )


class TestState:
    STREAM = custom_stream(make_config(custom_queries=[QUERY]).custom_queries[0])

    @pytest.mark.parametrize("bad", [[1], {"101": "x"}, {"101": {}}, {"101": {"timestamp": "t", "key": "k"}}])
    def test_given_a_malformed_state_then_config_error(self, bad: Any) -> None:
        with pytest.raises(ConfigError, match="llm state"):
            parse_custom_state(self.STREAM, bad)

    def test_given_a_checkpoint_then_resume_strictly_after_its_row(self) -> None:
        key = (KeyColumn("timestamp", KeyType.DATETIME), KeyColumn("uuid", KeyType.UUID))
        after = resume_key(key, {"timestamp": "2024-01-01T00:00:00.000000+00:00", "key": ["u-1"]})
        assert after is not None
        assert after[0] == DAY0
        assert after[1] == "u-1"
        assert resume_key(key, {"timestamp": "2024-01-01T00:00:00+00:00"}) is None  # finished: from the lookback

    def test_given_the_spec_then_lookback_in_minutes(self) -> None:
        spec = custom_stream(make_config(custom_queries=[{**QUERY, "lookback_minutes": 90}]).custom_queries[0]).read
        assert isinstance(spec, CustomSpec)
        assert spec.lookback.total_seconds() == 5400
