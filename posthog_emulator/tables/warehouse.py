"""A data-warehouse style table, as PostHog's data warehouse exposes a synced Stripe source to HogQL.

PostHog names a synced table `{prefix}{source_type}_{schema}` in lower case (build_table_name,
posthog/temporal/data_imports/util.py @ 0a0da7d1), and HogQL resolves warehouse tables by that name
(posthog/hogql/database/database.py @ 00643929): a Stripe source without prefix gives `stripe_charge`.
The columns are a few of Stripe's charge fields; their exact warehouse types are not PostHog's to fix (they
follow the source's data), so the emulator picks plain ones. Rows are derived from the seed and the project.
"""

from __future__ import annotations

import random
from functools import cache
from typing import Any

from posthog_emulator.state.runtime import Runtime

HOUR_US = 3_600_000_000
CHARGES_PER_PROJECT = 240
CURRENCIES = ("usd", "eur", "gbp")
STATUSES = ("succeeded", "succeeded", "succeeded", "failed", "pending")
COLUMNS = {
    "id": "str",
    "amount": "int",
    "currency": "str",
    "customer": "str",
    "status": "str",
    "paid": "bool",
    "created": "datetime",
}


def stripe_charges(rt: Runtime, pid: int) -> list[dict[str, Any]]:
    """The project's charges, one every few hours up to the dataset's end."""
    return list(_charges(rt.settings.seed, pid, rt.dataset.end_us))


@cache
def _charges(seed: int, pid: int, end_us: int) -> tuple[dict[str, Any], ...]:
    rng = random.Random(f"{seed}:{pid}:stripe_charge")  # noqa: S311 - seeded data, not security
    rows = []
    for i in range(CHARGES_PER_PROJECT):
        status = rng.choice(STATUSES)
        rows.append(
            {
                "id": f"ch_{rng.getrandbits(64):016x}",
                "amount": rng.randrange(100, 100_000),
                "currency": rng.choice(CURRENCIES),
                "customer": f"cus_{rng.randrange(1, 60):04d}",
                "status": status,
                "paid": status == "succeeded",
                "created": end_us - (CHARGES_PER_PROJECT - i) * 5 * HOUR_US,
            }
        )
    return tuple(rows)
