"""A PostHog private-API emulator on 127.0.0.1 that reproduces the real API's quirks.

Never imported by `source_posthog`; used by tests, the README demo and the benchmark.
"""

from posthog_emulator.config.limit_settings import ClassLimit, Limits, QueryCost
from posthog_emulator.config.settings import EmulatorSettings, Faults, Quirks
from posthog_emulator.emulator import Emulator

__all__ = ["ClassLimit", "Emulator", "EmulatorSettings", "Faults", "Limits", "QueryCost", "Quirks"]
