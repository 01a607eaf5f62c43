"""The Singer catalog (singer/catalog.py): discover's metadata, and which streams and properties a catalog selects."""

from typing import Any

import pytest

from source_posthog.errors import ConfigError
from source_posthog.singer.catalog import build_catalog, default_selection, parse_catalog
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME


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
