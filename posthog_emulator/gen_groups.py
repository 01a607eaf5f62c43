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


def make_groups(seed: int, pid: int, start: int, end: int) -> list[dict[str, Any]]:
    """The project's groups; `created_at`/`updated_at` in epoch microseconds, properties as a dict."""
    rng = random.Random(f"groups-{seed}-{pid}")  # noqa: S311 - seeded test data
    groups = []
    for index, count in enumerate(GROUPS_PER_TYPE):
        for k in range(count):
            created = start + int(rng.random() * (end - start))
            updated = created + int(rng.random() * (end - created))
            key = f"{GROUP_TYPES[index][0]}_{pid}_{k}"
            props = {"name": f"{GROUP_TYPES[index][0].capitalize()} {k}", "seats": rng.randint(1, 500)}
            groups.append(
                {"index": index, "key": key, "created_at": created, "updated_at": updated, "properties": props}
            )
    return groups
