"""Event rows as the legacy list prints them (objects, unquoted strings, parsed elements)."""

from __future__ import annotations

from typing import Any

from posthog_emulator.common.timefmt import iso_utc
from posthog_emulator.data import eventprops
from posthog_emulator.data.eventstore import EventStore
from posthog_emulator.state.runtime import Runtime

PERSON_PROPERTY_KEYS = ("email", "name", "username")


def legacy_row(rt: Runtime, store: EventStore, pid: int, i: int, q: dict[str, str]) -> dict[str, Any]:
    """One `/events/` result: `+00:00` timestamp, `person` only with include_person=true."""
    chain = store.elements_chain(i)
    distinct = store.distinct_id(i)
    person = _person(rt, pid, distinct) if q.get("include_person", "").lower() == "true" else None
    return {
        "id": store.uuid(i),
        "distinct_id": distinct,
        "properties": _unquoted(store.properties(i)),
        "event": store.event(i),
        "timestamp": iso_utc(store.ts[i]),
        "person": person,
        "elements": eventprops.parse_elements(chain) if chain else [],
        "elements_chain": chain,
    }


def _unquoted(props: dict[str, Any]) -> dict[str, Any]:
    """String values lose one pair of surrounding double quotes, as PostHog does."""
    return {
        key: value[1:-1] if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"' else value
        for key, value in props.items()
    }


def _person(rt: Runtime, pid: int, distinct: str) -> dict[str, Any] | None:
    for person in rt.dataset.persons[pid]:
        if distinct in person["distinct_ids"]:
            props = {k: v for k, v in person["properties"].items() if k in PERSON_PROPERTY_KEYS}
            return {
                "is_identified": person["is_identified"],
                "distinct_ids": person["distinct_ids"][:1],
                "properties": props,
            }
    return None
