"""The emulator's whole dataset: built from the settings' seed, appended to by tests."""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from posthog_emulator.common.timefmt import DAY_US, parse_datetime, to_micros
from posthog_emulator.config.settings import EmulatorSettings
from posthog_emulator.data import ids
from posthog_emulator.data.eventstore import Custom, EventStore
from posthog_emulator.data.gen import catalog as gen_catalog
from posthog_emulator.data.gen import entities as gen_entities
from posthog_emulator.data.gen import events as gen_events
from posthog_emulator.data.gen import groups as gen_groups
from posthog_emulator.data.gen import people
from posthog_emulator.data.gen.definitions import make_definitions
from posthog_emulator.data.gen.recordings import make_recordings

FIRST_PROJECT_ID = 101
ORG_ANNOTATIONS = 4  # organisation-scoped, owned by the first project, listed everywhere
ANONYMOUS_IDS = 200
END_GAP_US = 600_000_000  # the newest generated event is at least 10 minutes before "now"


@dataclass
class Dataset:
    """Projects, entities per project, persons and events; records as the API prints them."""

    organization: str
    projects: list[dict[str, Any]]
    entities: dict[int, dict[str, list[dict[str, Any]]]]
    persons: dict[int, list[dict[str, Any]]]
    events: dict[int, EventStore]
    end_us: int
    append_rng: random.Random = field(default_factory=random.Random)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def project(self, pid: int) -> dict[str, Any] | None:
        """The project record by id, or None (the API's 404)."""
        return next((p for p in self.projects if p["id"] == pid), None)

    def append_events(self, pid: int, events: list[dict[str, Any]]) -> list[str]:
        """Insert events (new, tied or back-dated) and return their ids in input order."""
        store = self.events[pid]
        created = []
        with self.lock:
            for raw in events:
                created.append(self._append_one(store, raw))
        return created

    def _append_one(self, store: EventStore, raw: dict[str, Any]) -> str:
        us = _micros(raw["timestamp"])
        created = _micros(raw["created_at"]) if raw.get("created_at") else to_micros(datetime.now(UTC))
        uuid_int = ids.parse_uuid(raw["uuid"]) if raw.get("uuid") else ids.uuid7_int(self.append_rng, us)
        custom = None
        if "properties" in raw or "elements_chain" in raw:
            custom = Custom(dict(raw.get("properties") or {}), str(raw.get("elements_chain") or ""))
        distinct = str(raw.get("distinct_id") or (store.distinct_ids[0] if store.distinct_ids else "anonymous"))
        seed = self.append_rng.getrandbits(40)
        event = str(raw.get("event") or "$pageview")
        store.insert(us, uuid_int, event=event, distinct_id=distinct, custom=custom, seed=seed, created=created)
        return ids.uuid_text(uuid_int)


def _micros(stamp: datetime | str) -> int:
    """A datetime or ISO text (from JSON) as epoch microseconds."""
    return to_micros(stamp) if isinstance(stamp, datetime) else parse_datetime(str(stamp))


def build_dataset(settings: EmulatorSettings) -> Dataset:
    """Everything from the seed: same (seed, end) -> byte-identical API responses."""
    rng = random.Random(settings.seed)  # noqa: S311 - seeded test data
    end = to_micros(settings.anchor()) - END_GAP_US
    start = end - settings.span_days * DAY_US
    org = ids.uuid7(rng, start)
    users = gen_entities.make_users(rng)
    maker = gen_entities.EntityMaker(rng, users, start, end)
    regular = [FIRST_PROJECT_ID + k for k in range(settings.projects)]
    edge = [FIRST_PROJECT_ID + settings.projects + k for k in range(2 if settings.edge_projects else 0)]
    projects, entities, persons, events = [], {}, {}, {}
    for k, pid in enumerate(regular + edge):
        name = f"Project {k + 1}" if pid in regular else ("Empty project" if pid == edge[0] else "One event")
        tz = gen_entities.TIMEZONES[k % len(gen_entities.TIMEZONES)] if pid in regular else "UTC"
        projects.append(gen_entities.make_project(rng, pid, name=name, tz=tz, org=org, created=start))
        entities[pid] = gen_entities.make_project_entities(maker, pid, 1)
        count = settings.persons_per_project if pid in regular else (0 if pid == edge[0] else 1)
        persons[pid] = people.make_persons(
            rng, pid, count, start, end, padding_kb=settings.weights.person_kb, slim=settings.weights.slim_persons
        )
        anonymous = ANONYMOUS_IDS if pid in regular else 1
        events[pid] = EventStore(people.event_distinct_ids(persons[pid], rng, anonymous), settings.weights)
    org_notes = [maker.annotation(regular[0], "organization", k == ORG_ANNOTATIONS - 1) for k in range(ORG_ANNOTATIONS)]
    entities[regular[0]]["annotations"].extend(org_notes)
    _fill_events(settings, rng, events, regular=regular, edge=edge, span=(start, end))
    catalog = gen_catalog.CatalogMaker(users, start, end)
    for pid in regular:  # own random streams: the data above stays what it was for this seed
        entities[pid] |= gen_catalog.make_catalog(catalog, settings.seed, pid, entities[pid]["insights"])
        entities[pid] |= make_definitions(settings.seed, pid, start, end)
        entities[pid]["session_recordings"] = make_recordings(settings.seed, pid, persons[pid], end)
        entities[pid] |= _people_and_groups(settings, pid, persons[pid], (start, end))
    append_rng = random.Random(settings.seed + 1)  # noqa: S311 - seeded test data
    return Dataset(org, projects, entities, persons, events, end, append_rng)


def _people_and_groups(
    settings: EmulatorSettings, pid: int, persons: list[dict[str, Any]], span: tuple[int, int]
) -> dict[str, Any]:
    """Merged anonymous ids (after events and recordings: their data stays as it was), groups, group types."""
    people.merge_anonymous(persons, pid)
    groups = gen_groups.make_groups(settings.seed, pid, span, settings.groups_per_type)
    return {"groups": groups, "group_types": gen_groups.make_group_types()}


def _fill_events(
    settings: EmulatorSettings,
    rng: random.Random,
    events: dict[int, EventStore],
    *,
    regular: list[int],
    edge: list[int],
    span: tuple[int, int],
) -> None:
    start, end = span
    total = max(0, settings.events - (1 if edge else 0))
    shares = [0.6] + [0.4 / (len(regular) - 1)] * (len(regular) - 1) if len(regular) > 1 else [1.0]
    counts = [int(total * s) for s in shares]
    counts[0] += total - sum(counts)
    blocks: dict[int, list[int]] = {pid: [] for pid in regular}
    for k, size in enumerate(settings.resolved_tie_blocks()):
        target = k % len(regular)
        blocks[regular[target] if size * 2 <= counts[target] else regular[0]].append(size)
    for k, pid in enumerate(regular):
        ts = gen_events.draw_timestamps(rng, counts[k], start, end, blocks[pid])
        gen_events.fill_store(events[pid], rng, ts, seed_base=pid * 100_000_000)
    if edge:
        gen_events.fill_store(events[edge[1]], rng, [end - 7 * DAY_US + 123_456], seed_base=edge[1] * 100_000_000)
