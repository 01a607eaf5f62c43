"""Where a legacy `/events/` read stands, and the heavy events it read alone there (issue 23).

`/events/` pages are keyed by timestamp alone (PostHog orders by `timestamp ASC` and nothing else,
`LegacyEventsListQuery.run_page`, the backing query of posthog/api/event.py after PR #60124; index id
55021913324, the index gave no commit), so each page re-reads the rows at its first timestamp and skips the ids
already emitted there. A multi-megabyte event re-read that way would cost its megabytes on every page that starts
at its timestamp, so an event read alone (its body outgrew a page's share of `max_memory_mb`) is left out of
every later request at that timestamp by a HogQL property filter, as the tie-block split filters by uuid.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import orjson

from source_posthog.streams.events.legacy_split import EVERY_UUID
from source_posthog.streams.timestamps import format_timestamp, parse_timestamp

ASCENDING = '["timestamp"]'  # anything but exactly ["-timestamp"] is oldest first
ONE_US = timedelta(microseconds=1)

UUID_TEXT = frozenset("-0123456789abcdef")
FILTER_IGNORED = (
    "Project {project}: this instance ignores HogQL property filters on /events/, so an event larger than a "
    "page's share of max_memory_mb cannot be read alone; pages holding one are read whole (nothing is lost or "
    "repeated, but memory may exceed max_memory_mb)."
)


@dataclass
class Edge:
    """The next page's lower bound, the ids emitted at it, and the heavy ones among them left out of requests."""

    lower: datetime
    seen: set[str] = field(default_factory=set)
    alone: set[str] = field(default_factory=set)

    def after(self, rows: list[dict[str, Any]], alone: dict[str, Any] | None = None) -> "Edge":
        """The edge past `rows` (and the heavy row read alone after them): their last timestamp, the ids there.

        Ids emitted at the old edge stay when the timestamp did not move: nothing is emitted twice.
        """
        rows = [*rows, alone] if alone is not None else rows
        last = parse_timestamp(rows[-1]["timestamp"])
        here = {row["id"] for row in rows if parse_timestamp(row["timestamp"]) == last}
        heavy = {alone["id"]} if alone is not None else set()
        if last == self.lower:
            return Edge(last, self.seen | here, self.alone | heavy)
        return Edge(last, here, heavy)


def property_filters(names: str | None, uuids: tuple[str, str], skip: set[str]) -> str | None:
    """The `properties` parameter of one request: HogQL filters PostHog applies together; None if there are none.

    The event names to read, a uuid-text range of a tie block (only `[-0-9a-fg]` in it), the heavy events left out.
    """
    filters = [names] if names else []
    if uuids != EVERY_UUID:
        filters.append(f"toString(uuid) >= '{uuids[0]}' AND toString(uuid) < '{uuids[1]}'")
    if left_out := left_out_filter(skip):
        filters.append(left_out)
    return orjson.dumps([{"type": "hogql", "key": hogql} for hogql in filters]).decode() if filters else None


def left_out_filter(ids: set[str]) -> str | None:
    """The HogQL condition that leaves the heavy events already read at this timestamp out; None if there are none.

    Ids come from the server; only uuid text (`[-0-9a-f]`, no quote to escape) is put in the filter.
    """
    safe = sorted(uuid for uuid in ids if set(uuid) <= UUID_TEXT)
    return " AND ".join(f"toString(uuid) != '{uuid}'" for uuid in safe) or None


def list_params(lower: datetime, end: datetime, limit: int, offset: int) -> dict[str, str]:
    """The `/events/` query for rows with lower <= timestamp < end, oldest first (`after` is exclusive)."""
    params = {
        "orderBy": ASCENDING,
        "after": format_timestamp(lower - ONE_US),
        "before": format_timestamp(end),
        "limit": str(limit),
    }
    if offset:
        params["offset"] = str(offset)
    return params
