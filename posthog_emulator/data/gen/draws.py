"""Seeded draws every list generator needs: ids unique across projects, times in the span, a creator."""

from __future__ import annotations

import random
from typing import Any


class Draws:
    """Sequential integer ids per kind (like PostHog's), times in [start, end), and an optional creator."""

    def __init__(
        self, rng: random.Random, users: list[dict[str, Any]], start: int, end: int, kinds: tuple[str, ...]
    ) -> None:
        self.rng, self.users, self.start, self.end = rng, users, start, end
        self.next_id = dict.fromkeys(kinds, 1)

    def _id(self, kind: str) -> int:
        value = self.next_id[kind]
        self.next_id[kind] += 1
        return value

    def _time(self) -> int:
        return self.start + int(self.rng.random() * (self.end - self.start))

    def _user(self) -> dict[str, Any] | None:
        return None if self.rng.random() < 0.1 else self.rng.choice(self.users)
