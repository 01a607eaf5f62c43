import pytest

from source_posthog.airbyte.catalog import build_catalog, parse_configured_catalog
from source_posthog.errors import ConfigError
from source_posthog.streams.table import STREAMS

# The existing connector's seven streams: their names and keys are a compatibility promise.
ORIGINAL = ["projects", "annotations", "cohorts", "feature_flags", "insights", "events", "persons"]
NAMES = [stream.name for stream in STREAMS]
INCREMENTAL = {
    "events": "timestamp",
    "session_recordings": "start_time",
    "groups": "updated_at",
    "sessions": "start_timestamp",
}


def entry(name: str, mode: str = "full_refresh") -> dict[str, object]:
    return {"stream": {"name": name, "json_schema": {}}, "sync_mode": mode, "destination_sync_mode": "overwrite"}


class TestBuildCatalog:
    def test_catalog_lists_every_stream_keyed_on_id_but_property_definitions_and_the_hogql_tables(self) -> None:
        streams = build_catalog()["streams"]
        assert [s["name"] for s in streams] == NAMES
        assert {stream.name for stream in STREAMS if stream.original} == set(ORIGINAL)
        keys = {s["name"]: s["source_defined_primary_key"] for s in streams}
        assert keys.pop("property_definitions") == [["project_id"], ["type"], ["group_type_index"], ["id"]]
        assert keys.pop("person_distinct_ids") == [["project_id"], ["distinct_id"]]
        assert keys.pop("groups") == [["project_id"], ["group_type_index"], ["group_key"]]
        assert keys.pop("group_types") == [["project_id"], ["group_type_index"]]
        assert keys.pop("cohort_members") == [["cohort_id"], ["person_id"]]
        assert keys.pop("sessions") == [["session_id"]]
        assert all(key == [["id"]] for key in keys.values())

    @pytest.mark.parametrize("name", NAMES)
    def test_only_events_recordings_groups_and_sessions_are_incremental_on_their_cursor(self, name: str) -> None:
        stream = {s["name"]: s for s in build_catalog()["streams"]}[name]
        if name in INCREMENTAL:
            assert stream["supported_sync_modes"] == ["full_refresh", "incremental"]
            assert stream["source_defined_cursor"] is True
            assert stream["default_cursor_field"] == [INCREMENTAL[name]]
        else:
            assert stream["supported_sync_modes"] == ["full_refresh"]

    def test_every_sliced_stream_schema_declares_project_id(self) -> None:
        for stream in build_catalog()["streams"]:
            if stream["name"] != "projects":
                assert "project_id" in stream["json_schema"]["properties"], stream["name"]


class TestParseConfiguredCatalog:
    def test_given_streams_in_any_order_when_parsed_then_read_order_events_before_persons(self) -> None:
        chosen = parse_configured_catalog(
            {"streams": [entry("persons"), entry("events", "incremental"), entry("projects")]}
        )
        assert [c.stream.name for c in chosen] == ["projects", "events", "persons"]
        assert chosen[1].sync_mode == "incremental"

    def test_given_incremental_on_a_stream_without_cursor_when_parsed_then_it_is_read_in_full(self) -> None:
        # PyAirbyte configures every stream as incremental, whatever its supported_sync_modes.
        chosen = parse_configured_catalog({"streams": [entry("cohorts", "incremental")]})
        assert chosen[0].sync_mode == "full_refresh"

    @pytest.mark.parametrize(
        ("raw", "fragment"),
        [
            ({"streams": [entry("nope")]}, "unknown stream 'nope'"),
            ({"streams": [entry("cohorts", "sideways")]}, "does not support sync_mode 'sideways'"),
            ({"streams": [entry("events", "INVALID")]}, "does not support sync_mode 'INVALID'"),
            ({"streams": []}, "non-empty streams"),
            ({}, "non-empty streams"),
            ([], "non-empty streams"),
            ({"streams": [{"sync_mode": "full_refresh"}]}, "stream.name and sync_mode"),
        ],
    )
    def test_given_bad_catalog_when_parsed_then_config_error(self, raw: object, fragment: str) -> None:
        with pytest.raises(ConfigError, match=fragment):
            parse_configured_catalog(raw)
