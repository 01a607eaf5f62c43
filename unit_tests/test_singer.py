"""The Singer side: catalog metadata and selection, bookmarks ↔ stream states, the message writer, --about."""

import io
import json
from pathlib import Path
from typing import Any

import pytest

from source_posthog.errors import ConfigError
from source_posthog.singer import state as singer_state
from source_posthog.singer.catalog import build_catalog, default_selection, parse_catalog
from source_posthog.singer.cli import about, main
from source_posthog.singer.messages import SingerOutput
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME

EVENTS_STATE = {"101": {"timestamp": "2024-02-01T00:00:00.000000+00:00"}}


def entry(name: str) -> dict[str, Any]:
    (found,) = [e for e in build_catalog()["streams"] if e["tap_stream_id"] == name]
    return dict(found)


def top(catalog_entry: dict[str, Any]) -> dict[str, Any]:
    (found,) = [m["metadata"] for m in catalog_entry["metadata"] if m["breadcrumb"] == []]
    return dict(found)


def select(names: set[str], **top_metadata: Any) -> dict[str, Any]:
    catalog = build_catalog()
    for item in catalog["streams"]:
        item["metadata"][0]["metadata"].update(selected=item["tap_stream_id"] in names, **top_metadata)
    return catalog


def test_given_discover_then_every_stream_with_singer_metadata() -> None:
    catalog = build_catalog()
    assert [e["tap_stream_id"] for e in catalog["streams"]] == [s.name for s in STREAMS]
    events = entry("events")
    assert top(events) == {
        "inclusion": "available",
        "selected": True,
        "selected-by-default": True,
        "table-key-properties": ["id"],
        "valid-replication-keys": ["timestamp"],
        "forced-replication-method": "INCREMENTAL",
    }
    assert events["key_properties"] == ["id"]
    assert events["replication_key"] == "timestamp"
    crumbs = {tuple(m["breadcrumb"]): m["metadata"]["inclusion"] for m in events["metadata"]}
    assert crumbs[("properties", "id")] == crumbs[("properties", "timestamp")] == "automatic"
    assert crumbs[("properties", "event")] == "available"
    assert set(events["schema"]["properties"]) == {crumb[1] for crumb in crumbs if crumb}


def test_given_discover_then_newer_streams_unselected_and_full_table_forced() -> None:
    dashboards = top(entry("dashboards"))
    assert dashboards["selected"] is False
    assert dashboards["forced-replication-method"] == "FULL_TABLE"
    assert dashboards["valid-replication-keys"] == []
    assert top(entry("session_recordings"))["forced-replication-method"] == "INCREMENTAL"
    keys = top(entry("property_definitions"))["table-key-properties"]
    assert keys == list(STREAMS_BY_NAME["property_definitions"].primary_key)


def test_given_catalog_then_only_selected_streams_in_table_order() -> None:
    chosen = parse_catalog(select({"persons", "events", "dashboards"}))
    assert [(c.stream.name, c.sync_mode) for c in chosen] == [
        ("dashboards", "full_refresh"),
        ("events", "incremental"),
        ("persons", "full_refresh"),
    ]


def test_given_full_table_method_for_events_then_full_refresh() -> None:
    (chosen,) = parse_catalog(select({"events"}, **{"replication-method": "FULL_TABLE"}))
    assert chosen.sync_mode == "full_refresh"


def test_given_no_selected_key_then_selected_by_default_decides() -> None:
    catalog = build_catalog()
    for item in catalog["streams"]:
        item["metadata"][0]["metadata"].pop("selected")
    assert [c.stream.name for c in parse_catalog(catalog)] == [c.stream.name for c in default_selection()]
    assert len(default_selection()) == 7


def test_given_deselected_properties_then_dropped_except_keys() -> None:
    catalog = select({"events"})
    for item in catalog["streams"][STREAMS.index(STREAMS_BY_NAME["events"])]["metadata"]:
        if item["breadcrumb"] in (["properties", "elements_chain"], ["properties", "id"]):
            item["metadata"]["selected"] = False
    (chosen,) = parse_catalog(catalog)
    assert chosen.dropped == frozenset({"elements_chain"})


@pytest.mark.parametrize(
    ("catalog", "message"),
    [
        ({"streams": [{"tap_stream_id": "nope", "metadata": []}]}, "unknown stream 'nope'"),
        (select({"events"}, **{"replication-method": "LOG_BASED"}), "LOG_BASED"),
        ([], "streams list"),
    ],
)
def test_given_bad_catalog_then_config_error(catalog: Any, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_catalog(catalog)


@pytest.mark.parametrize(
    "raw",
    [
        {"bookmarks": {"events": EVENTS_STATE}},
        {"type": "STATE", "value": {"bookmarks": {"events": EVENTS_STATE}}},
    ],
)
def test_given_singer_state_then_stream_states(raw: Any) -> None:
    assert singer_state.parse_state(raw) == {"events": EVENTS_STATE}


@pytest.mark.parametrize("raw", [{}, {"bookmarks": {}}])
def test_given_empty_singer_state_then_empty(raw: Any) -> None:
    assert singer_state.parse_state(raw) == {}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"bookmarks": {"events": 5}}, "bookmarks"),
        ({"bookmarks": {"events": {"101": {"timestamp": "yesterday"}}}}, None),
        # every incremental stream, not only events
        ({"bookmarks": {"sessions": {"101": {"start_timestamp": "yesterday"}}}}, "sessions"),
    ],
)
def test_given_bad_singer_state_then_config_error(raw: Any, message: str | None) -> None:
    with pytest.raises(ConfigError, match=message):
        singer_state.parse_state(raw)


def test_given_airbyte_state_then_converted_to_bookmarks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    airbyte = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "events"}, "stream_state": EVENTS_STATE}}]
    path = tmp_path / "state.json"
    path.write_text(json.dumps(airbyte))
    assert singer_state.main(["from-airbyte", str(path)]) == 0
    converted = json.loads(capsys.readouterr().out)
    assert converted == {"bookmarks": {"events": EVENTS_STATE}}
    assert singer_state.parse_state(converted) == {"events": EVENTS_STATE}  # the round trip
    legacy = [{"type": "LEGACY", "data": {"events": EVENTS_STATE}}]
    assert singer_state.from_airbyte(legacy) == converted
    assert singer_state.main(["from-airbyte", "--meltano", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"singer_state": converted}
    assert singer_state.main(["to-airbyte", str(path)]) == 2


def test_given_writer_then_singer_messages_and_bookmarks_keep_other_streams() -> None:
    out, log = io.BytesIO(), io.StringIO()
    writer = SingerOutput(out, log, bookmarks={"session_recordings": {"101": {"start_time": "x"}}})
    writer.schema("events", {"type": "object"}, ["id"], "timestamp")
    writer.record("events", {"id": "a", "event": "$pageview"})
    writer.state("events", EVENTS_STATE)
    writer.log("WARN", "careful")
    writer.stream_status("events", "RUNNING")
    schema, record, state = [json.loads(line) for line in out.getvalue().splitlines()]
    assert schema == {
        "type": "SCHEMA",
        "stream": "events",
        "schema": {"type": "object"},
        "key_properties": ["id"],
        "bookmark_properties": ["timestamp"],
    }
    assert record["type"] == "RECORD"
    assert record["stream"] == "events"
    assert record["record"] == {"id": "a", "event": "$pageview"}
    assert record["time_extracted"].endswith("Z")
    assert state == {
        "type": "STATE",
        "value": {"bookmarks": {"session_recordings": {"101": {"start_time": "x"}}, "events": EVENTS_STATE}},
    }
    assert log.getvalue() == "WARNING careful\n"


def test_given_dropped_properties_then_records_lack_them() -> None:
    out = io.BytesIO()
    SingerOutput(out, io.StringIO(), dropped={"events": frozenset({"elements_chain"})}).record(
        "events", {"id": "a", "elements_chain": "x"}
    )
    assert json.loads(out.getvalue())["record"] == {"id": "a"}


def test_given_about_json_then_name_version_capabilities_settings() -> None:
    out = io.BytesIO()
    assert main(["--about", "--format", "json"], stdout=out) == 0
    info = json.loads(out.getvalue())
    assert info == about()
    assert info["name"] == "tap-posthog"
    assert info["capabilities"] == ["catalog", "discover", "state", "about"]
    settings = {s["name"]: s for s in info["settings"]}
    assert settings["api_key"]["kind"] == "password"
    assert settings["api_key"]["required"] is True
    assert settings["events_time_step"]["kind"] == "integer"
    assert settings["project_ids"]["kind"] == "array"
    assert main(["--about"], stdout=(text := io.BytesIO())) == 0
    assert b"`api_key` (password, required)" in text.getvalue()


def test_given_bad_config_then_critical_on_stderr_and_stdout_empty(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"api_key": "phx_x" * 5}))
    out, err = io.BytesIO(), io.StringIO()
    assert main(["--config", str(path), "--discover"], stdout=out, stderr=err) == 1
    assert out.getvalue() == b""
    assert err.getvalue().startswith("CRITICAL config_error: Invalid config: start_date")
    assert "phx_x" not in err.getvalue()


def test_given_discover_then_catalog_on_stdout(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"api_key": "phx_" + "k" * 40, "start_date": "2024-01-01T00:00:00Z"}))
    out, err = io.BytesIO(), io.StringIO()
    assert main(["--config", str(path), "--discover"], stdout=out, stderr=err) == 0
    assert json.loads(out.getvalue()) == build_catalog()
    assert err.getvalue() == ""
