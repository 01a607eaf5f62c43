"""Datetimes as PostHog prints them: each endpoint family has its own format (posthog-api.md §5).

Internally every instant is an int of microseconds since the Unix epoch (UTC), which keeps the
columnar event store compact and makes range lookups plain integer bisects.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
DAY_US = 86_400_000_000
BUCKET_US = 900_000_000  # UTC offsets only change on 15-minute boundaries
MINUTE_US = 60_000_000
MINUTE_CACHE = 200_000  # cached 'YYYY-MM-DDTHH:MM:' prefixes before the cache is dropped


def to_micros(dt: datetime) -> int:
    """Microseconds since the epoch; naive datetimes are taken as UTC."""
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=UTC)
    delta = dt - EPOCH
    return (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds


def from_micros(us: int, tz: ZoneInfo | None = None) -> datetime:
    """The aware datetime for `us` (UTC unless `tz` is given)."""
    dt = EPOCH + timedelta(microseconds=us)
    return dt.astimezone(tz) if tz is not None else dt


def parse_datetime(text: str, tz: ZoneInfo | None = None) -> int:
    """Parse ISO-ish text (`Z`, offsets, space separator); naive text is in `tz` (default UTC)."""
    raw = text.strip()
    if raw.endswith(("Z", "z")):
        raw = raw[:-1] + "+00:00"
    dt = datetime.fromisoformat(raw)
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=tz or UTC)
    return to_micros(dt)


def drf(us: int | None) -> str | None:
    """Model fields (DRF): `2026-05-01T12:34:56.789012Z`, fraction omitted when zero."""
    if us is None:
        return None
    return from_micros(us).isoformat().replace("+00:00", "Z")


def iso_utc(us: int) -> str:
    """Events list timestamps and `next` bounds: `+00:00`, fraction omitted when zero."""
    return from_micros(us).isoformat()


def micros_z(us: int) -> str:
    """Persons `created_at`: always six fraction digits and `Z`."""
    return from_micros(us).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class TzRenderer:
    """Fast `/query/` datetime cells in one timezone; caches day strings and offsets."""

    def __init__(self, tz_name: str) -> None:
        self.tz_name = tz_name
        self._tz = ZoneInfo(tz_name)
        self._utc = tz_name == "UTC"
        self._minutes: dict[int, str] = {}
        self._offsets: dict[int, tuple[int, str]] = {}

    def render(self, us: int) -> str:
        """`2026-05-01T12:00:00.123000Z` in UTC, `2026-05-01T08:00:00.123000-04:00` elsewhere."""
        suffix = "Z"
        if not self._utc:
            shift, suffix = self._offset(us)
            us += shift
        minute, rest = divmod(us, MINUTE_US)
        prefix = self._minutes.get(minute)
        if prefix is None:
            if len(self._minutes) > MINUTE_CACHE:
                self._minutes.clear()
            prefix = self._minutes[minute] = (EPOCH + timedelta(minutes=minute)).strftime("%Y-%m-%dT%H:%M:")
        secs, frac = divmod(rest, 1_000_000)
        return f"{prefix}{secs:02d}.{frac:06d}{suffix}"

    def _offset(self, us: int) -> tuple[int, str]:
        bucket = us // BUCKET_US
        cached = self._offsets.get(bucket)
        if cached is None:
            delta = from_micros(bucket * BUCKET_US, self._tz).utcoffset() or timedelta(0)
            seconds = int(delta.total_seconds())
            sign = "-" if seconds < 0 else "+"
            hours, mins = divmod(abs(seconds) // 60, 60)
            cached = self._offsets[bucket] = (seconds * 1_000_000, f"{sign}{hours:02d}:{mins:02d}")
        return cached
