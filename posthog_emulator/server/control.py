"""Test-facing operations shared by the Python API and the `/_emulator/` routes.

Ground truth is "what a complete, deduplicated sync must deliver" per project, computed from the
live data and the current quirks: org-scoped annotations are counted in every project whose list
shows them (use `unique=True` for the set of distinct ids), archived flags are included (a full
sync reads them with archived=true), persons that the `/persons/` list can never load are excluded when
that list is what a sync reads (an instance without /query/).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, Protocol

from posthog_emulator.config.settings import Quirks, updated
from posthog_emulator.data import duplicates
from posthog_emulator.data.dataset import build_dataset
from posthog_emulator.lists.catalog import visible
from posthog_emulator.lists.definitions import property_keys
from posthog_emulator.lists.entities import visible_annotations
from posthog_emulator.lists.persons import persons_listable
from posthog_emulator.lists.recordings import recording_ids
from posthog_emulator.server.faults import FaultInjector
from posthog_emulator.server.ratelimit import RateLimiter
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import sessions, warehouse
from posthog_emulator.tables.rows import cohort_members


class Pipeline(Protocol):
    """What these operations need of the request pipeline (app.App): its state and the two guards to re-arm.

    A protocol rather than the App class, so that the pipeline can route `/_emulator/` requests to admin,
    and admin call these operations, without an import running back from here to the pipeline.
    """

    rt: Runtime
    injector: FaultInjector
    limiter: RateLimiter


LISTS = ("actions", "dashboards", "experiments", "surveys", "early_access_features", "event_definitions")
IdsOf = Callable[[Runtime, int], list[Any]]


def _live(stream: str) -> IdsOf:
    """The ids of a list's records that are not deleted (archived ones included: a full sync reads them)."""
    return lambda rt, pid: sorted(r["id"] for r in visible(rt, pid, stream))


def _persons(rt: Runtime, pid: int) -> list[dict[str, Any]]:
    """Every person through /query/; without it, those the `/persons/` list can load."""
    return rt.dataset.persons[pid] if rt.quirks.query_api_available else persons_listable(rt, pid)


def _event_ids(rt: Runtime, pid: int) -> list[Any]:
    store = rt.dataset.events[pid]
    with store.lock:
        return sorted(store.ids())


TRUTHS: dict[str, IdsOf] = {
    "projects": lambda _rt, pid: [pid],
    "annotations": lambda rt, pid: sorted(a["id"] for a in visible_annotations(rt, pid)),
    **{stream: _live(stream) for stream in ("cohorts", "feature_flags", "insights", *LISTS)},
    "property_definitions": property_keys,
    "session_recordings": recording_ids,
    "persons": lambda rt, pid: sorted(p["id"] for p in _persons(rt, pid)),
    "events": _event_ids,
    "person_distinct_ids": lambda rt, pid: sorted(d for p in rt.dataset.persons[pid] for d in p["distinct_ids"]),
    "groups": lambda rt, pid: sorted([g["index"], g["key"]] for g in rt.dataset.entities[pid].get("groups", [])),
    "group_types": lambda rt, pid: [t["group_type_index"] for t in rt.dataset.entities[pid].get("group_types", [])],
    "cohort_members": lambda rt, pid: sorted(
        [m["cohort_id"], m["person_id"]] for static in (False, True) for m in cohort_members(rt, pid, static)
    ),
    "persons_table": lambda rt, pid: sorted(p["id"] for p in rt.dataset.persons[pid]),
    # From every stored event, appended (late) ones included: they extend or start sessions.
    "sessions": lambda rt, pid: sessions.session_ids(rt.dataset.events[pid]),
    "stripe_charge": lambda rt, pid: sorted(row["id"] for row in warehouse.stripe_charges(rt, pid)),
}
STREAMS = tuple(TRUTHS)
EE_STREAMS = ("experiments", "group_types")  # their routes exist only with EE (routes.py): nothing to read without


def truth(app: Pipeline, stream: str) -> dict[int, list[Any]]:
    """{project_id: sorted ids}; for `projects`, {project_id: [project_id]}.

    For `property_definitions` the ids are the connector's key [type, group_type_index, id], since PostHog's
    virtual properties repeat their ids under every kind.
    """
    ids_of = TRUTHS.get(stream)
    if ids_of is None:
        raise ValueError(f"unknown stream {stream!r}; expected one of {STREAMS}")
    if stream in EE_STREAMS and not app.rt.quirks.ee_available:
        return {p["id"]: [] for p in app.rt.dataset.projects}
    return {p["id"]: ids_of(app.rt, p["id"]) for p in app.rt.dataset.projects}


def duplicated_ids(app: Pipeline) -> dict[int, list[str]]:
    """{project_id: ids stored twice under the current duplicate_rows quirk}; truth still lists them once."""
    rt = app.rt
    fraction, salt = rt.quirks.duplicate_rows, rt.settings.seed
    return {pid: duplicates.duplicated_ids(store, fraction, salt) for pid, store in rt.dataset.events.items()}


def unique_ids(app: Pipeline, stream: str) -> list[Any]:
    """Distinct ids over all projects (org-scoped annotations counted once)."""
    return sorted({i for ids in truth(app, stream).values() for i in ids})


def configure(app: Pipeline, quirks: Any = None, faults: Any = None, limits: Any = None) -> dict[str, Any]:
    """Swap in updated settings; dicts update single fields, `quirks=False` means Quirks.ideal()."""
    rt = app.rt
    if quirks is False:
        quirks = Quirks.ideal()
    elif quirks is True:
        quirks = Quirks()
    rt.quirks = updated(rt.quirks, quirks)
    if faults is not None:
        rt.faults = updated(rt.faults, faults)
        rt.table_queries.clear()
        app.injector.load(rt.faults)
    if limits is not None:
        rt.limits = updated(rt.limits, limits)
        app.limiter.reset()
        rt.read_budget.clear()
    return current(app)


def current(app: Pipeline) -> dict[str, Any]:
    """The quirks, faults and limits in force, as plain dicts."""
    rt = app.rt
    return {
        "quirks": dataclasses.asdict(rt.quirks),
        "faults": dataclasses.asdict(rt.faults),
        "limits": dataclasses.asdict(rt.limits),
    }


def reset(app: Pipeline, data: bool = True) -> None:
    """Back to the start: settings, counters, request log and (by default) the seeded data."""
    rt = app.rt
    if data:
        rt.dataset = build_dataset(rt.settings)
        rt.person_tombstones.clear()
        rt.raw_keys.clear()
        rt.settle()
    rt.quirks, rt.faults, rt.limits = rt.settings.quirks, rt.settings.faults, rt.settings.limits
    rt.log.clear()
    rt.async_queries.clear()
    rt.table_queries.clear()
    rt.read_budget.clear()
    app.limiter.reset()
    app.injector.load(rt.faults)
