"""Checks on the newer streams' schemas: valid Draft-07, nullable but for the key, and PostHog-shaped
sample records (from the serializers named in docs/posthog-sources.md) validate."""

from typing import Any

import jsonschema
import pytest

from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME
from unit_tests.test_schemas import FORMATS, USER, load, types_of, walk_properties

NEWER = tuple(stream.name for stream in STREAMS if not stream.original)
FLAG = {"id": 7, "team_id": 42, "name": "", "key": "beta", "filters": {}, "deleted": False, "active": True}
SAMPLES: dict[str, dict[str, Any]] = {
    "person_distinct_ids": {
        "distinct_id": "user_123",
        "person_id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d",
        "project_id": 42,
    },
    "groups": {
        "group_type_index": 0,
        "group_key": "acme",
        "created_at": "2026-02-01T00:00:00.000000Z",
        "updated_at": "2026-05-01T00:00:00.123000Z",
        "properties": {"name": "Acme", "seats": 40},
        "project_id": 42,
    },
    # A sessions v2 row as the connector writes it: the LAZY_SESSIONS_FIELDS it selects with `$` dropped
    # (posthog/hogql/database/schema/sessions_v2.py @0011d550, via source_posthog/streams/query/tables.py).
    "sessions": {
        "session_id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d",
        "distinct_id": "user_123",
        "start_timestamp": "2026-05-01T10:00:00.000000Z",
        "end_timestamp": "2026-05-01T10:04:30.250000Z",
        "entry_current_url": "https://example.com/pricing?utm_source=news",
        "entry_pathname": "/pricing",
        "end_current_url": "https://example.com/signup",
        "end_pathname": "/signup",
        "entry_referring_domain": "$direct",
        "entry_utm_source": "news",
        "entry_utm_campaign": None,
        "entry_utm_medium": None,
        "entry_utm_term": None,
        "entry_utm_content": None,
        "entry_gclid": None,
        "entry_fbclid": None,
        "channel_type": "Direct",
        "session_duration": 270,
        "is_bounce": False,
        "pageview_count": 3,
        "autocapture_count": 5,
        "screen_count": 0,
        "num_uniq_urls": 2,
        "project_id": 42,
    },
    "cohort_members": {"cohort_id": 7, "person_id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d", "project_id": 42},
    "group_types": {
        "group_type": "organization",
        "group_type_index": 0,
        "name_singular": "Organization",
        "name_plural": "Organizations",
        "project_id": 42,
    },
    "actions": {
        "id": 3,
        "name": "Signed up",
        "description": "",
        "tags": [],
        "post_to_slack": False,
        "slack_message_format": "",
        "steps": [{"event": "$autocapture", "selector": "button#signup", "url": None, "properties": []}],
        "created_at": "2026-04-01T10:00:00.5Z",
        "created_by": USER,
        "deleted": False,
        "is_calculating": False,
        "last_calculated_at": "2026-04-01T10:00:00Z",
        "team_id": 42,
        "is_action": True,
        "bytecode_error": None,
        "pinned_at": None,
        "creation_context": None,
        "user_access_level": "editor",
        "project_id": 42,
    },
    "dashboards": {
        "id": 8,
        "name": "Growth",
        "description": "",
        "pinned": True,
        "created_at": "2026-01-15T10:00:00Z",
        "created_by": None,
        "last_accessed_at": None,
        "is_shared": False,
        "deleted": False,
        "creation_mode": "default",
        "tags": [],
        "restriction_level": 21,
        "effective_restriction_level": 21,
        "effective_privilege_level": 37,
        "user_access_level": "editor",
        "access_control_version": "v2",
        "last_refresh": None,
        "team_id": 42,
        "insight_ids": [21, 22],
        "project_id": 42,
    },
    "experiments": {
        "id": 5,
        "name": "New pricing page",
        "description": None,
        "start_date": "2026-03-01T00:00:00Z",
        "end_date": None,
        "feature_flag_key": "pricing-test",
        "feature_flag": FLAG,
        "holdout": None,
        "parameters": {"feature_flag_variants": [{"key": "control", "rollout_percentage": 50}]},
        "metrics": [{"kind": "ExperimentMetric", "uuid": "m1"}],
        "archived": True,
        "deleted": False,
        "created_by": USER,
        "created_at": "2026-02-27T09:00:00Z",
        "updated_at": "2026-03-01T00:00:00Z",
        "type": "product",
        "status": "running",
        "project_id": 42,
    },
    "surveys": {
        "id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d",
        "name": "NPS",
        "type": "popover",
        "linked_flag": None,
        "questions": [{"type": "rating", "question": "How likely...?", "scale": 10, "id": "q1"}],
        "conditions": None,
        "appearance": {"backgroundColor": "#eeeded"},
        "created_at": "2026-02-01T00:00:00Z",
        "created_by": USER,
        "start_date": None,
        "end_date": None,
        "archived": False,
        "responses_limit": None,
        "iteration_start_dates": [],
        "project_id": 42,
    },
    "event_definitions": {
        "id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0e",
        "name": "$pageview",
        "created_at": None,
        "last_seen_at": "2026-05-01T12:00:00Z",
        "tags": [],
        "is_action": False,
        "action_id": None,
        "created_by": None,
        "post_to_slack": False,
        "project_id": 42,
    },
    "property_definitions": {
        "id": "$builtin_$virt_revenue",
        "type": "group",
        "group_type_index": 0,
        "name": "$virt_revenue",
        "is_numerical": True,
        "property_type": "Numeric",
        "tags": [],
        "virtual": True,
        "project_id": 42,
    },
    "early_access_features": {
        "id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0f",
        "feature_flag": FLAG,
        "name": "Dark mode",
        "description": "",
        "stage": "beta",
        "documentation_url": "",
        "payload": {},
        "created_at": "2026-02-01T00:00:00Z",
        "created_by": None,
        "assignee": {"type": "user", "id": 1},
        "project_id": 42,
    },
    "session_recordings": {
        "id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c10",
        "distinct_id": "user_123",
        "viewed": False,
        "viewers": [],
        "recording_duration": 620,
        "active_seconds": 201.4,
        "inactive_seconds": 418.6,
        "start_time": "2026-05-01T12:00:00.123000Z",
        "end_time": "2026-05-01T12:10:20.123000Z",
        "click_count": 14,
        "keypress_count": 3,
        "mouse_activity_count": 160,
        "console_log_count": 2,
        "console_warn_count": 0,
        "console_error_count": 1,
        "start_url": "https://example.com/",
        "person": {
            "id": "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d",
            "name": "ana@example.com",
            "distinct_ids": ["user_123"],
            "properties": {},
        },
        "storage": "object_storage",
        "retention_period_days": 30,
        "expiry_time": "2026-05-31T00:00:00Z",
        "recording_ttl": 29,
        "snapshot_source": "web",
        "ongoing": False,
        "activity_score": 12.5,
        "project_id": 42,
    },
}


@pytest.mark.parametrize("stream", NEWER)
def test_schema_is_valid_draft7_without_refs(stream: str) -> None:
    schema = load(stream)
    jsonschema.Draft7Validator.check_schema(schema)
    assert (schema["type"], schema["additionalProperties"]) == ("object", True)
    assert "$ref" not in str(schema)


@pytest.mark.parametrize("stream", NEWER)
def test_key_fields_are_required_and_not_nullable_and_every_other_field_is(stream: str) -> None:
    schema = load(stream)
    key = STREAMS_BY_NAME[stream].primary_key
    assert schema["required"] == list(key)
    for path, node in walk_properties(schema):
        assert ("null" in types_of(node)) == (path not in key), f"{stream}.{path}"


@pytest.mark.parametrize("stream", NEWER)
def test_nested_objects_allow_additional_properties_and_project_id_is_declared(stream: str) -> None:
    schema = load(stream)
    in_key = "project_id" in STREAMS_BY_NAME[stream].primary_key
    assert schema["properties"]["project_id"]["type"] == (["integer"] if in_key else ["null", "integer"])
    for path, node in walk_properties(schema):
        if "object" in types_of(node):
            assert node.get("additionalProperties") is True, f"{stream}.{path}"


@pytest.mark.parametrize("stream", NEWER)
def test_api_sample_record_validates_with_declared_fields_only(stream: str) -> None:
    validator = jsonschema.Draft7Validator(load(stream), format_checker=FORMATS)
    assert [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(SAMPLES[stream])] == []
    assert set(SAMPLES[stream]) <= set(load(stream)["properties"])


def test_recordings_cursor_is_a_timestamp_with_timezone() -> None:
    start_time = load("session_recordings")["properties"]["start_time"]
    assert (start_time["format"], start_time["airbyte_type"]) == ("date-time", "timestamp_with_timezone")
    assert not jsonschema.Draft7Validator(load("session_recordings"), format_checker=FORMATS).is_valid(
        {**SAMPLES["session_recordings"], "start_time": "yesterday"}
    )
