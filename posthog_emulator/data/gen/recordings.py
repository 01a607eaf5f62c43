"""Seeded session recordings of a project, stored as blocks like PostHog's session_replay_events table.

PostHog adds a recording up from its blocks *after* filtering them by date, so a listing bounded inside a
recording shows it cut (later start, fewer clicks). Each recording here is 1-5 blocks within at most a day;
some have expired (past their retention), some are deleted, the newest are still going on.
"""

from __future__ import annotations

import random
from typing import Any

from posthog_emulator.common.timefmt import DAY_US, MINUTE_US
from posthog_emulator.data import ids

PER_PROJECT = 40
SPAN_DAYS = 45  # older than the 30-day retention: the oldest have expired
RETENTION_DAYS = 30
BLOCK_FIELDS = (
    "click_count",
    "keypress_count",
    "mouse_activity_count",
    "console_log_count",
    "console_warn_count",
    "console_error_count",
    "active_milliseconds",
)


def make_recordings(seed: int, pid: int, persons: list[dict[str, Any]], end: int) -> list[dict[str, Any]]:
    """Recordings newest last; `_blocks` hold (start, end, counts...) and are what listings add up."""
    if not persons:
        return []
    rng = random.Random(f"recordings-{seed}-{pid}")  # noqa: S311 - seeded test data
    recordings = []
    for k in range(PER_PROJECT):
        start = end - SPAN_DAYS * DAY_US + int(rng.random() * SPAN_DAYS * DAY_US)
        if k == PER_PROJECT - 1:
            start = end - 20 * MINUTE_US  # one still going on at "now"
        person = rng.choice(persons)
        recordings.append(
            {
                "session_id": ids.uuid7(rng, start),
                "distinct_id": person["distinct_ids"][0],
                "person": {key: person[key] for key in ("id", "uuid", "name", "distinct_ids", "properties")},
                "deleted": k % 13 == 12,
                "start_url": rng.choice(("https://example.com/", "https://example.com/pricing")),
                "_blocks": _blocks(rng, start, end),
            }
        )
    recordings.sort(key=lambda r: r["_blocks"][0][0])
    return recordings


def _blocks(rng: random.Random, start: int, end: int) -> list[tuple[int, ...]]:
    blocks, at = [], start
    for _ in range(rng.randrange(1, 6)):
        length = rng.randrange(1, 240) * MINUTE_US // 4  # up to an hour; five stay well inside a day
        stop = min(at + length, end)
        counts = [rng.randrange(0, 40), rng.randrange(0, 10), rng.randrange(0, 300), rng.randrange(0, 5)]
        counts += [rng.randrange(0, 2), rng.randrange(0, 2), int((stop - at) / 1000 * rng.random())]
        blocks.append((at, stop, *counts))
        at = stop + rng.randrange(0, 10) * MINUTE_US
        if at >= end:
            break
    return blocks
