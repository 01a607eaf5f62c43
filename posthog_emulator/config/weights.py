"""The switch for realistic payload weights (issue 23); the payloads themselves are built in data/weights.py."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Weights:
    """How heavy generated payloads are; the default keeps the light payloads (and every existing test's data)."""

    realistic: bool = False
    """2-4 KB pageviews and autocaptures (and every other generated event), ~100 properties each."""
    heavy_fraction: float = 0.0
    """Share of generated events renamed `$ai_generation` / `$exception`, each `heavy_kb` big."""
    heavy_kb: tuple[int, int] = (50, 300)
    """Size range of a heavy event's properties, in KB (both ends equal: a fixed size)."""
    person_kb: int = 0
    """Extra KB of properties on every generated person (0: the light persons)."""
    slim_persons: bool = False
    """Persons with one property and shared empty fields (bench/persons.py at 10M: ~1 KB each, not ~1.25 KB)."""

    def is_heavy(self, mixed: int) -> bool:
        """Whether the event with this mixed seed is one of the heavy ones."""
        return self.heavy_fraction > 0 and (mixed % 1_000_003) / 1_000_003 < self.heavy_fraction
