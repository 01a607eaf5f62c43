"""Fallback for instances without `/query/`: the legacy `GET /events/` list, read so that no tie is lost.

    {"next": ".../events/?orderBy=...&after=2026-05-01T12%3A00%3A00.123000%2B00%3A00", "results": [...]}

- Ascending (`orderBy=["timestamp"]`): newest-first reads probe short windows and can answer
  `next: null` while older events remain (PostHog PR #42990); ascending reads never probe.
- `after` and `before` are exclusive: the slice [s, e) is asked as after = s - 1 µs, before = e.
- `next` moves `after` to the last row's timestamp T and so drops rows sharing T that did not fit
  (posthog#34143). `next` is used only as "more exists"; the next request re-includes T
  (after = T - 1 µs) and skips ids already emitted at T. A short page with `next` is not the end;
  an ascending `next: null` is.
- A page made only of rows at one timestamp is a tie block bigger than a page: it is read alone
  (after = T - 1 µs, before = T + 1 µs) and, if still too big, split by uuid-text prefix with a HogQL
  property filter until each part fits; an instance that ignores the filter gets a WARN naming T.
- Dedupe is scoped to one timestamp, so memory stays bounded by the largest tie block.
- Checkpoint (T - 1 µs, MAX_UUID) = "every event before T was read": resumes at T on both paths.
"""

from datetime import datetime, timedelta
from typing import Any

import orjson

from source_posthog.errors import InternalError
from source_posthog.event_rows import canonical_timestamp
from source_posthog.events_run import STREAM, EventsRun
from source_posthog.ratelimit import EndpointClass
from source_posthog.state import Cursor
from source_posthog.timestamps import format_timestamp, parse_timestamp
from source_posthog.windows import iter_slices, start_point

ASCENDING = '["timestamp"]'  # anything but exactly ["-timestamp"] is oldest first
PAGE_LIMIT = "1000"  # PostHog clamps larger values to 1000 silently
ONE_US = timedelta(microseconds=1)
MAX_UUID = "ffffffff-ffff-ffff-ffff-ffffffffffff"  # sorts after every uuid, in ClickHouse order too
UUID_CHARS = "-0123456789abcdef"  # every character of a uuid's text, in ascending order


class LegacyReader:
    """Reads one project's slices from `/events/`, emitting each event once."""

    def __init__(self, run: EventsRun, project_id: int) -> None:
        self.run = run
        self.project_id = project_id
        self.count = 0

    def fetch(self, lower: datetime, end: datetime, prefix: str = "") -> tuple[list[dict[str, Any]], bool]:
        """Rows with lower <= timestamp < end (uuid text starting with `prefix`), and whether more exist."""
        params = {
            "orderBy": ASCENDING,
            "after": format_timestamp(lower - ONE_US),
            "before": format_timestamp(end),
            "limit": PAGE_LIMIT,
        }
        if prefix:
            hogql = f"toString(uuid) >= '{prefix}' AND toString(uuid) < '{prefix}g'"  # prefix is [-0-9a-f] only
            params["properties"] = orjson.dumps([{"type": "hogql", "key": hogql}]).decode()
        page = self.run.client.get_json(f"projects/{self.project_id}/events/", params, EndpointClass.ANALYTICS)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise InternalError("Unexpected /events/ response: expected an object with results.")
        return page["results"], bool(page.get("next"))

    def emit(self, rows: list[dict[str, Any]], seen: set[str]) -> None:
        """Write rows whose id is not in `seen` yet, and add them to it: a tie re-read must not repeat them."""
        emitted = 0
        for row in rows:
            if row["id"] in seen:
                continue
            seen.add(row["id"])
            row["timestamp"] = canonical_timestamp(row["timestamp"])
            row["project_id"] = self.project_id
            self.run.output.record(STREAM, row)
            emitted += 1
        self.count += emitted
        self.run.progress.page(STREAM, emitted, f"project {self.project_id} (legacy /events/)")

    def read_slice(self, lower: datetime, end: datetime) -> None:
        """Every event in [lower, end), page by page, re-reading each page's last timestamp."""
        seen: set[str] = set()  # ids already emitted at timestamp == lower
        while lower < end:
            rows, more = self.fetch(lower, end)
            self.emit(rows, seen)
            if not more or not rows:
                return
            last = parse_timestamp(rows[-1]["timestamp"])
            if last == lower:  # the whole page shares one timestamp: a tie block bigger than a page
                self.read_tie_block(lower, seen)
                lower, seen = lower + ONE_US, set()
            else:
                lower = last
                seen = {row["id"] for row in rows if parse_timestamp(row["timestamp"]) == last}
            self.run.checkpoint.save(self.project_id, Cursor(lower - ONE_US, MAX_UUID))

    def read_tie_block(self, at: datetime, seen: set[str], prefix: str = "") -> None:
        """Every event stamped exactly `at` (uuid text starting with `prefix`), split further while pages are full."""
        for char in UUID_CHARS if prefix or self._block_is_big(at, seen) else ():
            part = prefix + char
            rows, more = self.fetch(at, at + ONE_US, part)
            if any(not row["id"].startswith(part) for row in rows):
                self.run.output.log(
                    "WARN",
                    f"Project {self.project_id}: more events share timestamp {format_timestamp(at)} than one "
                    "/events/ page holds, and this instance ignores the HogQL filter needed to split them; "
                    "some of them may be missing.",
                )
                return
            self.emit(rows, seen)
            if more:
                self.read_tie_block(at, seen, part)

    def _block_is_big(self, at: datetime, seen: set[str]) -> bool:
        rows, more = self.fetch(at, at + ONE_US)
        self.emit(rows, seen)
        return more


def read_project_legacy(run: EventsRun, project_id: int) -> int:
    """Emit the project's events from its cursor to the upper bound through `/events/`."""
    cursor = run.checkpoint.cursor(project_id)
    point = start_point(cursor, run.config.start, run.lookback)
    start = point.start
    if point.after is not None and point.after.uuid == MAX_UUID:
        start += ONE_US  # a legacy checkpoint: everything up to and including that instant was read
    reader = LegacyReader(run, project_id)
    for slice_start, slice_end in iter_slices(start, run.upper, run.step):
        reader.read_slice(slice_start, slice_end)
    run.checkpoint.save(project_id, Cursor(run.upper))
    return reader.count
