"""Seeded persons (§6.6 shape) and the distinct ids events are attributed to."""

from __future__ import annotations

import random
from typing import Any

from posthog_emulator.common.timefmt import drf, micros_z
from posthog_emulator.data import ids
from posthog_emulator.data.weights import person_padding

UNLOADABLE_EVERY = 29  # ~3% of persons cannot be hydrated (PostHog issue #24787)
BATCH_IMPORT = 20  # persons sharing one created_at, so the id tiebreak matters


def make_persons(
    rng: random.Random, pid: int, count: int, start: int, end: int, *, padding_kb: int = 0, slim: bool = False
) -> list[dict[str, Any]]:
    """Persons ordered newest first (created_at DESC, id DESC) as the actors query returns them.

    `padding_kb` (Weights.person_kb) adds a property of about that many KB, one shared string per variant.
    `slim` (Weights.slim_persons) keeps a person to about 1 KB of Python objects, so 10M fit a shared machine:
    one property, last seen when created, one shared (immutable) empty recordings list.
    """
    batch_time = start + (end - start) // 3
    persons = []
    for k in range(count):
        created = batch_time if k < BATCH_IMPORT else start + int(rng.random() * (end - start))
        persons.append(_slim(_person(rng, pid, k, created, end)) if slim else _person(rng, pid, k, created, end))
        if padding_kb:
            persons[-1]["properties"]["$initial_page_snapshot"] = person_padding(padding_kb, k % 8)
    persons.sort(key=lambda p: (p["_created"], p["id"]), reverse=True)
    return persons


def _person(rng: random.Random, pid: int, k: int, created: int, end: int) -> dict[str, Any]:
    uid = ids.uuid7(rng, created)
    identified = k % 4 != 3
    distinct = f"user_{pid}_{k}"
    props: dict[str, Any] = {"$initial_browser": rng.choice(("Chrome", "Safari", "Firefox"))}
    if identified:
        props |= {"email": f"{distinct}@example.com", "name": f"User {k}"}
    last_seen = created + int(rng.random() * (end - created))
    return {
        "type": "person",
        "id": uid,
        "uuid": uid,
        "name": props.get("email", distinct),
        "distinct_ids": [distinct, uid],
        "properties": props,
        "is_identified": identified,
        "created_at": micros_z(created),
        "last_seen_at": drf(last_seen),
        "matched_recordings": [],
        "value_at_data_point": None,
        "_created": created,
        "_unloadable": k % UNLOADABLE_EVERY == UNLOADABLE_EVERY - 1,
    }


NO_RECORDINGS: tuple[str, ...] = ()


def _slim(person: dict[str, Any]) -> dict[str, Any]:
    """The person with its per-person strings and lists that the bounded reads never look at shared."""
    browser = person["properties"]["$initial_browser"]
    person |= {"properties": {"$initial_browser": browser}, "name": person["distinct_ids"][0]}
    person |= {"last_seen_at": person["created_at"], "matched_recordings": NO_RECORDINGS}
    return person


def event_distinct_ids(persons: list[dict[str, Any]], rng: random.Random, anonymous: int) -> list[str]:
    """Distinct ids events use: every person's, plus anonymous ones no person owns."""
    known = [d for p in persons for d in p["distinct_ids"]]
    return known + [ids.uuid7(rng, 1_700_000_000_000_000 + n) for n in range(anonymous)]


MERGED_EVERY = 5  # every 5th person also owns the anonymous id it browsed under before identifying


def merge_anonymous(persons: list[dict[str, Any]], pid: int) -> None:
    """Give some identified persons a third distinct id, as `$identify` merging an anonymous visitor does."""
    for k, person in enumerate(persons):
        if k % MERGED_EVERY == 0 and person["is_identified"]:
            person["distinct_ids"] = [*person["distinct_ids"], f"anon_{pid}_{k}"]
