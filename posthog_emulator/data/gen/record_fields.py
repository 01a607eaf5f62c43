"""The parts of seeded records that never vary: serializer fields, a cohort's filter, a flag's variants.

PostHog's serializers print these fields on every record (§6.4, §6.5 and the survey serializer); kept
apart from the drawn fields so that each generator shows only what it draws. Each call returns fresh
lists and dicts, so a record never shares a mutable value with another.
"""

from __future__ import annotations

from typing import Any


def flag_fields() -> dict[str, Any]:
    """A feature flag's fields after `last_modified_by`, in the serializer's order."""
    return {
        "ensure_experience_continuity": False,
        "experiment_set": [],
        "experiment_set_metadata": [],
        "surveys": [],
        "features": [],
        "rollback_conditions": None,
        "performed_rollback": None,
        "can_edit": True,
        "tags": [],
        "evaluation_contexts": [],
        "usage_dashboard": None,
        "analytics_dashboards": [],
        "has_enriched_analytics": False,
        "user_access_level": "editor",
        "creation_context": "feature_flags",
        "is_remote_configuration": False,
        "has_encrypted_payloads": False,
        "status": "ACTIVE",
        "evaluation_runtime": "all",
        "bucketing_identifier": None,
        "last_called_at": None,
        "is_used_in_replay_settings": False,
    }


def insight_state(deleted: bool) -> dict[str, Any]:
    """An insight's fields between `query` and `created_at`: filters, dashboards and cached results."""
    return {
        "filters": {},
        "order": None,
        "deleted": deleted,
        "dashboards": [],
        "dashboard_tiles": [],
        "last_refresh": None,
        "cache_target_age": None,
        "next_allowed_client_refresh": None,
        "result": None,
        "hasMore": None,
        "columns": None,
    }


def insight_fields() -> dict[str, Any]:
    """An insight's fields after `last_modified_by`: access levels and query status."""
    return {
        "is_sample": False,
        "effective_restriction_level": 21,
        "effective_privilege_level": 37,
        "user_access_level": "editor",
        "timezone": None,
        "is_cached": False,
        "query_status": None,
        "hogql": None,
        "types": None,
        "resolved_date_range": None,
        "alerts": [],
        "last_viewed_at": None,
    }


def survey_fields() -> dict[str, Any]:
    """A survey's fields after `archived`: iterations and limits, none set."""
    return {
        "responses_limit": None,
        "iteration_count": None,
        "iteration_frequency_days": None,
        "iteration_start_dates": [],
        "current_iteration": None,
        "current_iteration_start_date": None,
        "enable_partial_responses": False,
        "user_access_level": "editor",
    }


def cohort_properties() -> dict[str, Any]:
    """A dynamic cohort's filter: persons whose email contains @example.com."""
    return {
        "type": "AND",
        "values": [
            {
                "type": "AND",
                "values": [{"key": "email", "type": "person", "value": "@example.com", "operator": "icontains"}],
            }
        ],
    }


def multivariate() -> dict[str, Any]:
    """A flag's two 50/50 variants."""
    return {
        "variants": [
            {"key": "control", "name": "Control", "rollout_percentage": 50},
            {"key": "test", "name": "Test", "rollout_percentage": 50},
        ]
    }
