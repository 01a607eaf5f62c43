"""Seeded event and property definitions of a project: the names its events, persons and groups use.

Event properties PostHog stores but never lists for `type=event` (`$set`, `distinct_id`, `$groups`...) are
generated too, so the list's exclusion can be seen. Virtual person and group properties are PostHog's
built-in computed ones: constants, not rows, appended to those lists with `$builtin_` ids.
"""

from __future__ import annotations

import random
from typing import Any

from posthog_emulator.common.timefmt import DAY_US, drf
from posthog_emulator.data import ids
from posthog_emulator.data.eventprops import EVENT_NAMES

UNSEEN_EVENTS = ("invite_sent", "export_started")  # defined (e.g. by an import) but not in the events table
EVENT_PROPERTIES = (
    ("$browser", "String"),
    ("$os", "String"),
    ("$current_url", "String"),
    ("$pathname", "String"),
    ("$session_id", "String"),
    ("$lib", "String"),
    ("amount", "Numeric"),
    ("plan", "String"),
)
ALWAYS_EXCLUDED = (("$set", None), ("$set_once", None), ("distinct_id", "String"), ("$groups", None))
PERSON_PROPERTIES = (
    ("email", "String"),
    ("name", "String"),
    ("$initial_browser", "String"),
    ("signed_up_at", "DateTime"),
)
GROUP_PROPERTIES = {0: (("name", "String"), ("industry", "String"), ("employees", "Numeric")), 1: (("name", "String"),)}
# Stored rows of PropertyDefinition.Type.SESSION (posthog/taxonomy/property_definition_api.py @ a8b2677e,
# with_type_filter); named and typed like sessions v2 columns (LAZY_SESSIONS_FIELDS and
# get_lazy_session_table_properties_v2 in posthog/hogql/database/schema/sessions_v2.py @ 45b41e82).
SESSION_PROPERTIES = (
    ("$entry_current_url", "String"),
    ("$channel_type", "String"),
    ("$session_duration", "Duration"),
    ("$pageview_count", "Numeric"),
    ("$is_bounce", "Boolean"),
)
VIRTUAL = {
    "person": (("$virt_initial_channel_type", "String"), ("$virt_initial_referring_domain_type", "String")),
    "group": (("$virt_revenue", "Numeric"), ("$virt_revenue_last_30_days", "Numeric")),
}


def make_definitions(seed: int, pid: int, start: int, end: int) -> dict[str, list[dict[str, Any]]]:
    """`event_definitions` and `property_definitions` (with internal `_type` and `_group`) of one project."""
    rng = random.Random(f"definitions-{seed}-{pid}")  # noqa: S311 - seeded test data
    events = [_event(rng, name, start, end if name in EVENT_NAMES else None) for name in EVENT_NAMES + UNSEEN_EVENTS]
    props = [_property(rng, name, kind, "event", -1) for name, kind in EVENT_PROPERTIES + ALWAYS_EXCLUDED]
    props += [_property(rng, name, kind, "person", -1) for name, kind in PERSON_PROPERTIES]
    for index, group_props in GROUP_PROPERTIES.items():
        props += [_property(rng, name, kind, "group", index) for name, kind in group_props]
    props += [_property(rng, name, kind, "session", -1) for name, kind in SESSION_PROPERTIES]
    return {"event_definitions": events, "property_definitions": props}


def _event(rng: random.Random, name: str, start: int, last_seen: int | None) -> dict[str, Any]:
    created = start + int(rng.random() * DAY_US * 30)
    return {
        "id": ids.uuid7(rng, created),
        "name": name,
        "created_at": drf(created),
        "last_seen_at": drf(last_seen - int(rng.random() * DAY_US * 3)) if last_seen else None,
        "last_updated_at": drf(created),
        "tags": [],
        "is_action": False,
        "action_id": None,
        "is_calculating": False,
        "last_calculated_at": None,
        "created_by": None,
        "post_to_slack": False,
    }


def _property(rng: random.Random, name: str, kind: str | None, of: str, group: int) -> dict[str, Any]:
    return {
        "id": ids.uuid7(rng, 1_700_000_000_000_000 + rng.randrange(10**9)),
        "name": name,
        "is_numerical": kind in ("Numeric", "Duration"),
        "property_type": kind,
        "tags": [],
        "is_seen_on_filtered_events": None,
        "_type": of,
        "_group": group,
    }


def virtual_properties(of: str) -> list[dict[str, Any]]:
    """PostHog's built-in computed person or group properties, as its list appends them."""
    return [
        {
            "id": f"$builtin_{name}",
            "name": name,
            "is_numerical": kind == "Numeric",
            "property_type": kind,
            "tags": [],
            "virtual": True,
        }
        for name, kind in VIRTUAL.get(of, ())
    ]
