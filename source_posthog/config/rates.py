"""Request rates as the config states them ("240/minute, 2400/hour"), in DRF's notation, for http/pacing.py.

Here rather than in http/ so that the config, which every layer may import, imports no layer above it.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Window:
    """At most `limit` requests in any `seconds`-long window."""

    limit: int
    seconds: float


RATE_UNITS = {"second": 1, "minute": 60, "hour": 3600, "day": 86400}


def parse_rates(text: str) -> tuple[Window, ...]:
    """Read DRF-style rates such as "240/minute, 2400/hour"; raises ValueError on anything else."""
    windows = []
    for part in text.split(","):
        count, _, unit = part.strip().partition("/")
        if not count.strip().isdigit() or int(count) < 1 or unit.strip() not in RATE_UNITS:
            raise ValueError(f"{part.strip()!r} is not a rate like 240/minute (units: {', '.join(RATE_UNITS)})")
        windows.append(Window(int(count), RATE_UNITS[unit.strip()]))
    return tuple(windows)
