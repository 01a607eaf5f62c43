"""Groups that change between syncs (`Emulator.touch_groups`), for a `groups` stream read incrementally on `updated_at`.

PostHog's `groups.updated_at` is the ingestion `_timestamp` of the group's newest `raw_groups` row (argMax by
it), so an updated or a new group is stamped with the time it arrived: now, in epoch microseconds. Each stamp
is above every earlier one of the project, so a cursor saved before a touch lies behind every touched row,
and the touched rows come out of `ORDER BY updated_at` in the order they were touched.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from posthog_emulator.common.timefmt import to_micros
from posthog_emulator.data.gen.groups import GROUP_TYPES, make_group
from posthog_emulator.state.runtime import Runtime

Group = dict[str, Any]


def touch_groups(rt: Runtime, pid: int, n_updated: int, n_new: int) -> list[list[Any]]:
    """Update the `n_updated` least recently updated groups, create `n_new`; their [index, key] in touch order."""
    if n_updated < 0 or n_new < 0:
        raise ValueError("n_updated and n_new must not be negative")
    with rt.dataset.lock:
        groups: list[Group] = rt.dataset.entities[pid].setdefault("groups", [])
        if n_updated > len(groups):
            raise ValueError(f"project {pid} has {len(groups)} groups, fewer than n_updated={n_updated}")
        stamps = _stamps(groups, n_updated + n_new)
        touched = _update(groups, stamps[:n_updated])
        touched += _create(groups, pid, stamps[n_updated:])
    return [[group["index"], group["key"]] for group in touched]


def _stamps(groups: list[Group], count: int) -> list[int]:
    """`count` strictly increasing ingestion times from now, all above the project's newest `updated_at`."""
    floor = max((group["updated_at"] for group in groups), default=-1) + 1
    first = max(to_micros(datetime.now(UTC)), floor)
    return [first + k for k in range(count)]


def _update(groups: list[Group], stamps: list[int]) -> list[Group]:
    """The oldest groups by (updated_at, index, key): a deterministic pick, all behind any earlier cursor."""
    oldest = sorted(groups, key=lambda g: (g["updated_at"], g["index"], g["key"]))[: len(stamps)]
    for group, stamp in zip(oldest, stamps, strict=True):
        properties = group["properties"]
        group["properties"] = {**properties, "seats": properties.get("seats", 0) + 1}  # a new dict: a fresh row
        group["updated_at"] = stamp
    return oldest


def _create(groups: list[Group], pid: int, stamps: list[int]) -> list[Group]:
    """New groups alternating over the types, numbered after that type's existing ones."""
    created = []
    for j, stamp in enumerate(stamps):
        index = j % len(GROUP_TYPES)
        k = sum(1 for group in groups if group["index"] == index)
        group = make_group(index, pid, k, (stamp, stamp), 1 + k % 500)
        groups.append(group)
        created.append(group)
    return created
