"""Mutable state shared by all request threads: dataset, keys, current settings, log."""

from __future__ import annotations

import dataclasses
import itertools
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from posthog_emulator.config.limit_settings import Limits
from posthog_emulator.config.settings import EmulatorSettings, Faults, Quirks
from posthog_emulator.data.dataset import Dataset, build_dataset
from posthog_emulator.state import auth

LOG_CAPACITY = 200_000  # request log entries kept (oldest dropped)


@dataclass
class Runtime:
    """What handlers read; quirks/faults/limits are replaced whole, never mutated in place."""

    settings: EmulatorSettings
    dataset: Dataset
    keys: dict[str, auth.ApiKey]
    quirks: Quirks
    faults: Faults
    limits: Limits
    log: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=LOG_CAPACITY))
    counter: itertools.count[int] = field(default_factory=itertools.count)
    log_seq: itertools.count[int] = field(default_factory=itertools.count)
    lock: threading.Lock = field(default_factory=threading.Lock)
    async_queries: dict[str, dict[str, Any]] = field(default_factory=dict)
    query_slots: dict[int, int] = field(default_factory=dict)  # running /query/ per project
    table_queries: dict[int, int] = field(default_factory=dict)  # `persons` queries per project (person_churn)
    person_indexes: dict[int, Any] = field(default_factory=dict)  # persons in ClickHouse id order (person_index)
    raw_keys: dict[Any, Any] = field(default_factory=dict)  # raw tables' sorted keys (tables/raw_keys, raw_groups)
    person_tombstones: dict[int, list[dict[str, Any]]] = field(default_factory=dict)  # churned persons' raw rows
    read_budget: dict[int, tuple[float, float]] = field(default_factory=dict)  # project: (rows left, at) (read_budget)
    slots_cond: threading.Condition = field(default_factory=threading.Condition)
    settle: Callable[[], None] = lambda: None
    """Called once lasting data is built (the dataset, an index): `python -m posthog_emulator` sets `gc.freeze`,
    so the cyclic GC never walks it again. A full collection over an unfrozen 21M-entry key list took about a
    second and ran a few times a page: 85% of a 10M-person emulator's time (py-spy)."""

    @classmethod
    def create(cls, settings: EmulatorSettings) -> Runtime:
        """Build the dataset and keys for `settings`, pinning its time anchor."""
        settings = dataclasses.replace(settings, end=settings.anchor())  # reset() rebuilds identical data
        dataset = build_dataset(settings)
        keys = auth.make_keys(settings.seed, [p["id"] for p in dataset.projects])
        return cls(settings, dataset, keys, settings.quirks, settings.faults, settings.limits)

    def next_number(self) -> int:
        """A process-wide request counter (seeds per-request randomness)."""
        return next(self.counter)

    def record(self, entry: dict[str, Any]) -> None:
        """Append a request log entry, numbered from 0 in arrival order of completion."""
        entry.setdefault("time", time.time())
        with self.lock:
            entry["n"] = next(self.log_seq)
            self.log.append(entry)
