"""Seeded group types and groups of a project (B2B accounts): two types, as PostHog's `groups` table holds them.

Each project gets its own random stream (`groups-<seed>-<pid>`), so the rest of a seed's data stays as it was.
Rows are kept as the `groups` HogQL table names its columns (`index`, `key`, `created_at`, `updated_at`,
`properties`); group types as `GET groups_types/` prints them (posthog/api/group.py).
"""

from __future__ import annotations

import random
from typing import Any

GROUP_TYPES = (("organization", "organizations"), ("instance", "instances"))
GROUPS_PER_TYPE = (40, 25)


def make_group_types() -> list[dict[str, Any]]:
    """The project's group types, in index order (GroupTypeSerializer's four fields)."""
    return [
        {
            "group_type": singular,
            "group_type_index": index,
            "name_singular": singular.capitalize(),
            "name_plural": plural.capitalize(),
        }
        for index, (singular, plural) in enumerate(GROUP_TYPES)
    ]


def make_groups(seed: int, pid: int, span: tuple[int, int], per_type: int | None = None) -> list[dict[str, Any]]:
    """The project's groups; `created_at`/`updated_at` in epoch microseconds, properties as a dict.

    `per_type` (setting `groups_per_type`) replaces the default counts, so a test can have more groups
    than one 10,000-row page.
    """
    start, end = span
    rng = random.Random(f"groups-{seed}-{pid}")  # noqa: S311 - seeded test data
    counts = GROUPS_PER_TYPE if per_type is None else (per_type,) * len(GROUP_TYPES)
    groups = []
    for index, count in enumerate(counts):
        for k in range(count):
            created = start + int(rng.random() * (end - start))
            updated = created + int(rng.random() * (end - created))
            groups.append(make_group(index, pid, k, (created, updated), rng.randint(1, 500)))
    return groups


def make_group(index: int, pid: int, k: int, times: tuple[int, int], seats: int) -> dict[str, Any]:
    """The k-th group of type `index`, as the `groups` table row (key `<type>_<pid>_<k>`)."""
    singular = GROUP_TYPES[index][0]
    props = {"name": f"{singular.capitalize()} {k}", "seats": seats}
    return {
        "index": index,
        "key": f"{singular}_{pid}_{k}",
        "created_at": times[0],
        "updated_at": times[1],
        "properties": props,
    }
