"""A PostHog private-API emulator on 127.0.0.1 that reproduces the real API's quirks.

Never imported by `source_posthog`; used by tests, the README demo and the benchmark.
"""

from posthog_emulator.emulator import Emulator
from posthog_emulator.limit_settings import ClassLimit, Limits, QueryCost
from posthog_emulator.settings import EmulatorSettings, Faults, Quirks

__all__ = ["ClassLimit", "Emulator", "EmulatorSettings", "Faults", "Limits", "QueryCost", "Quirks"]
