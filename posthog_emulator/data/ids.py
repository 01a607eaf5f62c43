"""Seeded identifiers shaped like PostHog's (UUIDv7 with the time prefix, short ids, tokens)."""

from __future__ import annotations

import random
import string

_SHORT = string.ascii_letters + string.digits


def uuid7_int(rng: random.Random, us: int) -> int:
    """A UUIDv7 as an int whose 48-bit prefix is the millisecond of `us` (as SDKs send)."""
    ms = us // 1000
    hi = (ms << 16) | 0x7000 | rng.getrandbits(12)
    lo = (0b10 << 62) | rng.getrandbits(62)
    return (hi << 64) | lo


def uuid_text(value: int) -> str:
    """Canonical 8-4-4-4-12 text of a 128-bit int."""
    h = f"{value:032x}"
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


def uuid7(rng: random.Random, us: int) -> str:
    """UUIDv7 text for the instant `us`."""
    return uuid_text(uuid7_int(rng, us))


def parse_uuid(text: str) -> int:
    """128-bit int of a UUID text; raises ValueError when malformed."""
    compact = text.strip().replace("-", "")
    if len(compact) != 32:
        raise ValueError(f"invalid UUID: {text!r}")
    return int(compact, 16)


def clickhouse_key(value: int) -> tuple[int, int]:
    """Sort key of a UUID in ClickHouse: second half first (see eventstore's docstring)."""
    return value & 0xFFFFFFFFFFFFFFFF, value >> 64


def short_id(rng: random.Random, length: int = 8) -> str:
    """An insight-style short id."""
    return "".join(rng.choice(_SHORT) for _ in range(length))


def token(rng: random.Random, prefix: str) -> str:
    """An API key or project token such as `phx_...` / `phc_...`."""
    return prefix + "".join(rng.choice(_SHORT) for _ in range(43))
