"""Where an events read starts for one project and which half-open time slices it queries.

Boundary reasoning, which every events module relies on (compare PostHog's batch-export `query_ranges.py`):
- Every range is half-open, `start <= timestamp < end`. Consecutive slices share one boundary instant,
  and a half-open range puts an event lying exactly on it into exactly one slice: none read twice, none skipped.
- A first sync starts at `start_date` inclusive, so the event stamped exactly at `start_date` is delivered.
- The last slice ends at the sync's upper bound U, fixed once when the sync starts. Events at or after U
  (including ones stamped in the future by a skewed clock) belong to a later sync, which starts at
  U - lookback <= U, so the boundary loses nothing.
- A finished cursor T (no uuid) means "everything before T was read"; the next sync starts at
  T - lookback inclusive, re-reading that window for late-ingested events (re-delivery bounded by it).
- A checkpoint (T, uuid) means "every event up to and including (T, uuid) was read": the first slice
  starts at T and keyset continues strictly after (T, uuid), with no lookback.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from source_posthog.streams.events.cursors import Cursor


@dataclass(frozen=True)
class StartPoint:
    """Where one project's read begins: an inclusive instant, and a keyset position inside its first slice."""

    start: datetime
    after: Cursor | None = None


def start_point(cursor: Cursor | None, start_date: datetime, lookback: timedelta) -> StartPoint:
    """The read position for a project, from its saved cursor (or none) and the config."""
    if cursor is None:
        return StartPoint(start_date)
    if cursor.uuid is not None:
        return StartPoint(cursor.timestamp, cursor)
    # A start_date moved later than the saved cursor still wins: the user asked for nothing older.
    return StartPoint(max(start_date, cursor.timestamp - lookback))
