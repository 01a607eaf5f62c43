"""Half-open time slicing, for any reader that cuts a range into consecutive windows.

Consecutive slices share one boundary instant, and a half-open range `start <= t < end` puts a record lying
exactly on it into exactly one slice: none read twice, none skipped (the argument of events/start.py).
"""

from collections.abc import Iterator
from datetime import datetime, timedelta


def iter_slices(start: datetime, upper: datetime, step: timedelta) -> Iterator[tuple[datetime, datetime]]:
    """Half-open slices [start, start + step), ... whose last one ends exactly at `upper`; none if start >= upper."""
    while start < upper:
        end = min(start + step, upper)
        yield start, end
        start = end
