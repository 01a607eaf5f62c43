"""Checks on the original streams' schemas/*.json: valid Draft-07, real records validate, superset of the old
connector. The newer streams' schemas are checked in test_schemas_newer.py."""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from source_posthog.streams.table import STREAMS as TABLE

SCHEMA_DIR = Path(__file__).resolve().parent.parent / "schemas"
STREAMS = tuple(stream.name for stream in TABLE)
KEYS = {stream.name: list(stream.primary_key) for stream in TABLE}
PROJECT_SLICED = tuple(stream.name for stream in TABLE if stream.per_project)
# The existing connector's seven streams: their names, keys and fields are a compatibility promise.
ORIGINAL_STREAMS = ("projects", "annotations", "cohorts", "feature_flags", "insights", "persons", "events")

# Primary key type per stream. projects and insights keep "number", the type airbyte-source-posthog
# 1.1.28 declared: the values are integers, but switching to "integer" would change the type of an
# existing destination column (and primary key).
PK_TYPES = {
    "projects": ["number"],
    "annotations": ["integer"],
    "cohorts": ["integer"],
    "feature_flags": ["integer"],
    "insights": ["number"],
    "persons": ["string"],
    "events": ["string"],
}

# Field paths and declared types of airbyte-source-posthog 1.1.28. "a.b" is property b of object a,
# "a[]" the items of array a. None: the old schema declared no type (insights.name was malformed).
OLD_FIELDS: dict[str, dict[str, tuple[str, ...] | None]] = {
    "projects": {
        "id": ("number",),
        "uuid": ("string",),
        "organization": ("string",),
        "api_token": ("string",),
        "name": ("string",),
        "completed_snippet_onboarding": ("boolean",),
        "ingested_event": ("boolean",),
        "is_demo": ("boolean",),
        "timezone": ("string",),
        "access_control": ("boolean",),
        "effective_membership_level": ("number",),
    },
    "annotations": {
        "id": ("integer",),
        "content": ("string", "null"),
        "date_marker": ("string", "null"),
        "creation_type": ("string", "null"),
        "dashboard_item": ("string", "null"),
        "created_by": ("object",),
        "created_by.id": ("integer",),
        "created_by.uuid": ("string",),
        "created_by.distinct_id": ("string",),
        "created_by.first_name": ("string",),
        "created_by.email": ("string",),
        "created_at": ("string",),
        "updated_at": ("string",),
        "deleted": ("boolean",),
        "scope": ("string",),
    },
    "cohorts": {
        "id": ("integer",),
        "name": ("string",),
        "groups": ("array", "object"),
        "groups[]": ("object",),
        "groups[].days": ("string", "null"),
        "groups[].action_id": ("string", "null"),
        "groups[].properties": ("array",),
        "groups[].properties[]": ("object",),
        "deleted": ("boolean",),
        "is_calculating": ("boolean",),
        "created_by": ("object",),
        "created_by.id": ("integer",),
        "created_by.uuid": ("string",),
        "created_by.distinct_id": ("string",),
        "created_by.first_name": ("string", "null"),
        "created_by.email": ("string", "null"),
        "created_at": ("string", "null"),
        "last_calculation": ("string", "null"),
        "errors_calculating": ("integer",),
        "count": ("integer", "null"),
        "is_static": ("boolean",),
    },
    "feature_flags": {
        "id": ("integer",),
        "name": ("string",),
        "key": ("string",),
        "rollout_percentage": ("integer", "null"),
        "filters": ("object",),
        "filters.properties": ("array",),
        "filters.properties[]": ("object",),
        "deleted": ("boolean",),
        "active": ("boolean",),
        "created_by": ("object",),
        "created_by.id": ("integer",),
        "created_by.distinct_id": ("string",),
        "created_by.first_name": ("string",),
        "created_by.email": ("string",),
        "created_at": ("string",),
    },
    "insights": {
        "id": ("number",),
        "short_id": ("string", "null"),
        "name": None,
        "filters": ("object", "null"),
        "filters.display": ("string", "null"),
        "filters.insight": ("string", "null"),
        "filters.interval": ("string", "null"),
        "filters.date_from": ("string", "null"),
        "filters_hash": ("string", "null"),
        "order": ("string", "null"),
        "deleted": ("boolean", "null"),
        "last_refresh": ("string", "null"),
        "refreshing": ("boolean", "null"),
        "result": ("array", "null"),
        "result[]": ("object", "null"),
        "result[].action_id": ("string", "null"),
        "result[].average_conversion_time": ("string", "null"),
        "result[].converted_people_url": ("string", "null"),
        "result[].count": ("number", "null"),
        "result[].custom_name": ("string", "null"),
        "result[].name": ("string", "null"),
        "result[].median_conversion_time": ("string", "null"),
        "result[].order": ("number", "null"),
        "result[].type": ("string", "null"),
        "created_at": ("string", "null"),
        "created_by": ("object", "null"),
        "created_by.id": ("number", "null"),
        "created_by.uuid": ("string", "null"),
        "created_by.distinct_id": ("string", "null"),
        "created_by.first_name": ("string", "null"),
        "created_by.email": ("string", "null"),
        "description": ("string", "null"),
        "updated_at": ("string", "null"),
        "favorited": ("boolean", "null"),
        "saved": ("boolean", "null"),
        "last_modified_at": ("string", "null"),
        "last_modified_by": ("object", "null"),
        "last_modified_by.distinct_id": ("string", "null"),
        "last_modified_by.email": ("string", "null"),
        "last_modified_by.first_name": ("string", "null"),
        "last_modified_by.id": ("number", "null"),
        "last_modified_by.uuid": ("string", "null"),
        "is_sample": ("boolean", "null"),
        "effective_restriction_level": ("number", "null"),
        "effective_privilege_level": ("number", "null"),
        "timezone": ("string", "null"),
        "tags": ("array", "null"),
        "tags[]": ("string", "null"),
    },
    "persons": {
        "id": ("string",),
        "name": ("string",),
        "distinct_ids": ("array",),
        "distinct_ids[]": ("string",),
        "properties": ("null", "object"),
        "created_at": ("string",),
        "uuid": ("string",),
    },
    "events": {
        "id": ("string",),
        "distinct_id": ("string",),
        "properties": ("object",),
        "event": ("string",),
        "timestamp": ("string",),
        "person": ("object",),
        "person.is_identified": ("boolean",),
        "person.distinct_ids": ("array",),
        "person.distinct_ids[]": ("string",),
        "person.properties": ("object",),
        "elements": ("array",),
        "elements[]": ("string", "object"),
        "elements_chain": ("string",),
    },
}

# Old fields declared with "format": "date-time". Old datetime strings declared WITHOUT the format
# (insights created_at/updated_at/last_refresh/last_modified_at, cohorts last_calculation) stay
# plain strings: adding the format would turn an existing string column into a timestamp column.
OLD_DATETIME = {
    "annotations": {"date_marker", "created_at", "updated_at"},
    "cohorts": {"created_at"},
    "feature_flags": {"created_at"},
    "insights": set(),
    "persons": {"created_at"},
    "events": {"timestamp"},
    "projects": set(),
}

# --- sample records: the examples of posthog-api.md section 6 (placeholders kept), plus project_id.

USER = {
    "id": 1,
    "uuid": "...",
    "distinct_id": "...",
    "first_name": "Ana",
    "last_name": "",
    "email": "ana@example.com",
    "is_email_verified": True,
    "hedgehog_config": None,
    "role_at_organization": "engineering",
}

SAMPLES: dict[str, dict[str, Any]] = {
    "projects": {
        "id": 42,
        "uuid": "0190f0a3-...",
        "organization": "0190f09e-...",
        "api_token": "phc_...",
        "name": "Default project",
        "completed_snippet_onboarding": True,
        "has_completed_onboarding_for": {"product_analytics": True},
        "ingested_event": True,
        "is_demo": False,
        "timezone": "UTC",
        "access_control": False,
    },
    "annotations": {
        "id": 7,
        "content": "Deployed v2",
        "date_marker": "2026-04-30T09:00:00Z",
        "creation_type": "USR",
        "dashboard_item": None,
        "dashboard_id": None,
        "dashboard_name": None,
        "insight_short_id": None,
        "insight_name": None,
        "insight_derived_name": None,
        "created_by": USER,
        "created_at": "2026-04-30T09:01:12.345678Z",
        "updated_at": "2026-04-30T09:01:12.345678Z",
        "deleted": False,
        "scope": "project",
        "recording_id": None,
        "is_emoji": False,
        "project_id": 42,
    },
    # Sections 6.3-6.5 list fields without a full example; values follow the stated types.
    "cohorts": {
        "id": 3,
        "name": "Power users",
        "description": "",
        "groups": [],
        "deleted": False,
        "filters": {
            "properties": {
                "type": "OR",
                "values": [
                    {
                        "type": "AND",
                        "values": [{"key": "email", "type": "person", "value": "is_set", "operator": "is_set"}],
                    }
                ],
            }
        },
        "query": None,
        "version": 4,
        "pending_version": None,
        "is_calculating": False,
        "created_by": USER,
        "created_at": "2026-03-01T10:00:00.123456Z",
        "last_calculation": "2026-05-01T00:00:00Z",
        "last_backfill_person_properties_at": None,
        "errors_calculating": 0,
        "last_error_message": None,
        "count": 1234,
        "is_static": False,
        "cohort_type": "person_property",
        "experiment_set": [5],
        "search_match_type": None,
        "project_id": 42,
    },
    "feature_flags": {
        "id": 11,
        "name": "New checkout flow",
        "key": "new-checkout",
        "filters": {
            "groups": [{"properties": [], "rollout_percentage": 50, "variant": None}],
            "multivariate": None,
            "payloads": {},
            "aggregation_group_type_index": None,
        },
        "deleted": False,
        "active": True,
        "archived": False,
        "created_by": USER,
        "created_at": "2026-02-01T08:00:00Z",
        "updated_at": None,
        "version": 2,
        "last_modified_by": USER,
        "ensure_experience_continuity": False,
        "experiment_set": [],
        "experiment_set_metadata": [],
        "surveys": [],
        "features": [],
        "rollback_conditions": None,
        "performed_rollback": None,
        "can_edit": True,
        "tags": ["checkout"],
        "evaluation_contexts": [],
        "usage_dashboard": 8,
        "analytics_dashboards": [8],
        "has_enriched_analytics": False,
        "user_access_level": "editor",
        "creation_context": "feature_flags",
        "is_remote_configuration": False,
        "has_encrypted_payloads": False,
        "status": "ACTIVE",
        "evaluation_runtime": "all",
        "bucketing_identifier": None,
        "last_called_at": "2026-05-01T12:00:00Z",
        "is_used_in_replay_settings": False,
        "project_id": 42,
    },
    "insights": {
        "id": 21,
        "short_id": "aBcD1234",
        "name": "Weekly signups",
        "derived_name": "Pageview count",
        "query": {"kind": "InsightVizNode", "source": {"kind": "TrendsQuery", "series": []}},
        "filters": {},
        "order": None,
        "deleted": False,
        "dashboards": [8],
        "dashboard_tiles": [{"id": 30, "dashboard_id": 8, "deleted": None}],
        "last_refresh": None,
        "cache_target_age": None,
        "next_allowed_client_refresh": None,
        "result": None,
        "hasMore": None,
        "columns": None,
        "created_at": "2026-01-15T10:00:00.5Z",
        "created_by": USER,
        "description": None,
        "updated_at": "2026-04-01T10:00:00Z",
        "tags": [],
        "favorited": False,
        "saved": True,
        "last_modified_at": "2026-04-01T10:00:00Z",
        "last_modified_by": USER,
        "is_sample": False,
        "effective_restriction_level": 21,
        "effective_privilege_level": 37,
        "user_access_level": "editor",
        "timezone": "UTC",
        "is_cached": False,
        "query_status": None,
        "hogql": None,
        "types": None,
        "resolved_date_range": {
            "date_from": "2026-04-24T00:00:00Z",
            "date_to": "2026-05-01T23:59:59.999999Z",
        },
        "alerts": [],
        "last_viewed_at": None,
        "project_id": 42,
    },
    "persons": {
        "type": "person",
        "id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d",
        "uuid": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d",
        "name": "ana@example.com",
        "distinct_ids": ["user_123", "0190f1c2-..."],
        "properties": {"email": "ana@example.com"},
        "is_identified": True,
        "created_at": "2026-03-01T10:00:00.123000Z",
        "last_seen_at": "2026-05-01T12:00:00Z",
        "matched_recordings": [],
        "value_at_data_point": None,
        "project_id": 42,
    },
    "events": {
        "id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d",
        "distinct_id": "user_123",
        "properties": {"$browser": "Chrome", "$current_url": "https://example.com/"},
        "event": "$pageview",
        "timestamp": "2026-05-01T12:00:00.123000+00:00",
        "person": None,
        "elements": [
            {
                "event": None,
                "text": "Buy",
                "tag_name": "button",
                "attr_class": ["cta"],
                "href": None,
                "attr_id": None,
                "nth_child": 1,
                "nth_of_type": 1,
                "attributes": {"attr__class": "cta"},
                "order": 0,
            }
        ],
        "elements_chain": 'button.cta:text="Buy"nth-child="1"nth-of-type="1"',
        "project_id": 42,
    },
}

FORMATS = jsonschema.FormatChecker(formats=["uuid"])


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    # jsonschema's own date-time check needs rfc3339-validator; the connector parses with this.
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


def load(stream: str) -> dict[str, Any]:
    with (SCHEMA_DIR / f"{stream}.json").open() as f:
        schema: dict[str, Any] = json.load(f)
    return schema


def types_of(node: dict[str, Any]) -> set[str]:
    declared = node["type"]
    return {declared} if isinstance(declared, str) else set(declared)


def resolve(schema: dict[str, Any], path: str) -> dict[str, Any]:
    node = schema
    for part in path.split("."):
        name = part.removesuffix("[]")
        node = node["properties"][name]
        if part.endswith("[]"):
            node = node["items"]
    return node


def walk_properties(node: dict[str, Any], prefix: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = []
    for name, child in node.get("properties", {}).items():
        found.append((prefix + name, child))
        found.extend(walk_properties(child, f"{prefix}{name}."))
        if "items" in child:
            found.extend(walk_properties(child["items"], f"{prefix}{name}[]."))
    return found


def test_one_schema_per_stream() -> None:
    assert sorted(p.stem for p in SCHEMA_DIR.glob("*.json")) == sorted(stream.name for stream in TABLE)
    assert set(ORIGINAL_STREAMS) == {stream.name for stream in TABLE if stream.original}


@pytest.mark.parametrize("stream", STREAMS)
def test_schema_is_valid_draft7(stream: str) -> None:
    schema = load(stream)
    jsonschema.Draft7Validator.check_schema(schema)
    assert schema["$schema"] == "http://json-schema.org/draft-07/schema#"
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is True
    assert "$ref" not in json.dumps(schema)


def walk_nodes(node: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Every typed node: properties at any depth and array items (as "a[]")."""
    found = [(path, node)]
    for name, child in node.get("properties", {}).items():
        found.extend(walk_nodes(child, f"{path}.{name}" if path else name))
    if isinstance(node.get("items"), dict):
        found.extend(walk_nodes(node["items"], f"{path}[]"))
    return found


@pytest.mark.parametrize("stream", STREAMS)
def test_every_field_has_one_type_plus_null(stream: str) -> None:
    """PyAirbyte warns "Could not determine airbyte type" on a union, and the platform maps it to a JSON blob."""
    for path, node in walk_nodes(load(stream)):
        assert len(types_of(node) - {"null"}) == 1, f"{stream}.{path}: {node.get('type')}"


@pytest.mark.parametrize("stream", STREAMS)
def test_every_property_but_the_key_is_nullable(stream: str) -> None:
    for path, node in walk_properties(load(stream)):
        if path not in KEYS[stream]:
            assert "null" in types_of(node), f"{stream}.{path} is not nullable"


@pytest.mark.parametrize("stream", STREAMS)
def test_nested_objects_allow_additional_properties(stream: str) -> None:
    for path, node in walk_properties(load(stream)):
        if "object" in types_of(node):
            assert node.get("additionalProperties") is True, f"{stream}.{path}"


@pytest.mark.parametrize("stream", STREAMS)
def test_primary_key_is_required_and_not_nullable(stream: str) -> None:
    schema = load(stream)
    assert schema["required"] == KEYS[stream]
    assert all("null" not in types_of(schema["properties"][key]) for key in KEYS[stream])


@pytest.mark.parametrize("stream", ORIGINAL_STREAMS)
def test_original_primary_key_keeps_its_type(stream: str) -> None:
    assert KEYS[stream] == ["id"]
    assert load(stream)["properties"]["id"]["type"] == PK_TYPES[stream]


@pytest.mark.parametrize("stream", STREAMS)
def test_project_id_on_project_sliced_streams(stream: str) -> None:
    props = load(stream)["properties"]
    if stream in PROJECT_SLICED:  # nullable unless it is part of the key
        assert props["project_id"]["type"] == (["integer"] if "project_id" in KEYS[stream] else ["null", "integer"])
    else:
        assert "project_id" not in props


@pytest.mark.parametrize("stream", ORIGINAL_STREAMS)
def test_api_sample_record_validates(stream: str) -> None:
    validator = jsonschema.Draft7Validator(load(stream), format_checker=FORMATS)
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(SAMPLES[stream])]
    assert errors == []


@pytest.mark.parametrize("stream", ORIGINAL_STREAMS)
def test_sample_record_uses_only_declared_top_level_fields(stream: str) -> None:
    assert set(SAMPLES[stream]) <= set(load(stream)["properties"])


def test_schemas_reject_wrong_shapes() -> None:
    events = jsonschema.Draft7Validator(load("events"), format_checker=FORMATS)
    assert not events.is_valid({**SAMPLES["events"], "id": None})
    assert not events.is_valid({**SAMPLES["events"], "timestamp": "yesterday"})
    assert not events.is_valid({**SAMPLES["events"], "elements": [3]})
    persons = jsonschema.Draft7Validator(load("persons"), format_checker=FORMATS)
    assert not persons.is_valid({**SAMPLES["persons"], "id": "not-a-uuid"})
    assert not jsonschema.Draft7Validator(load("cohorts")).is_valid({"name": "no id"})


def test_old_connector_shapes_still_validate() -> None:
    # The old schema allowed a populated person (string elements: see NARROWED).
    record = {
        **SAMPLES["events"],
        "person": {"is_identified": True, "distinct_ids": ["user_123"], "properties": {"email": "a@b.c"}},
    }
    assert jsonschema.Draft7Validator(load("events")).is_valid(record)


# Old fields whose union type was narrowed to the one shape PostHog sends, so PyAirbyte and the Airbyte platform
# map them without a warning (issue 17). Each is lossless: no value PostHog or the emulator sends is rejected
# (integration_tests/test_record_schemas.py validates every emulator record). (stream, path): (types, why).
NARROWED: dict[tuple[str, str], tuple[set[str], str]] = {
    ("annotations", "dashboard_item"): (
        {"integer"},
        "a foreign key to the insight: PostHog's AnnotationSerializer (a ModelSerializer) sends its integer id",
    ),
    ("insights", "order"): ({"integer"}, "Insight.order is an IntegerField (and basic=true lists omit it)"),
    ("cohorts", "groups"): ({"array"}, "Cohort.groups is JSONField(default=list): a list, never an object"),
    ("events", "elements[]"): (
        {"object"},
        "elements are parsed from elements_chain into objects; PostHog's /events/ sends objects too",
    ),
}


@pytest.mark.parametrize("stream", ORIGINAL_STREAMS)
def test_superset_of_old_connector(stream: str) -> None:
    """Every old field exists with the same name and a type list that contains the old one.

    Compatible means: our types minus "null" include the old types minus "null". An old "number" is
    NOT satisfied by "integer" (destinations map them to different column types), so "number" is
    kept. The only exceptions are the NARROWED fields, each typed as exactly the shape PostHog sends.
    """
    schema = load(stream)
    for path, old_types in OLD_FIELDS[stream].items():
        node = resolve(schema, path)
        if (stream, path) in NARROWED:
            assert types_of(node) - {"null"} == NARROWED[stream, path][0], f"{stream}.{path}"
        elif old_types is not None:
            missing = (set(old_types) - {"null"}) - types_of(node)
            assert not missing, f"{stream}.{path}: lost types {missing}"
        is_datetime = node.get("format") == "date-time"
        assert is_datetime == (path in OLD_DATETIME[stream]), f"{stream}.{path}: format changed"


def test_events_fields() -> None:
    props = load("events")["properties"]
    assert props["timestamp"]["airbyte_type"] == "timestamp_with_timezone"
    assert props["timestamp"]["format"] == "date-time"
    element = props["elements"]["items"]
    assert element["type"] == ["object"]
    assert set(element["properties"]) == {
        "tag_name",
        "text",
        "href",
        "attr_class",
        "attr_id",
        "nth_child",
        "nth_of_type",
        "attributes",
        "order",
        "event",
    }
    assert set(props) == {
        "id",
        "distinct_id",
        "properties",
        "event",
        "timestamp",
        "person",
        "elements",
        "elements_chain",
        "project_id",
    }


@pytest.mark.parametrize(
    ("stream", "field"),
    [
        ("annotations", "created_by"),
        ("cohorts", "created_by"),
        ("feature_flags", "created_by"),
        ("feature_flags", "last_modified_by"),
        ("insights", "created_by"),
        ("insights", "last_modified_by"),
    ],
)
def test_user_basic_shape(stream: str, field: str) -> None:
    node = load(stream)["properties"][field]
    assert set(node["properties"]) == set(USER)
    jsonschema.validate(USER, node)
