"""Check every request the connector sends to any emulator, while an integration test runs.

Emulators are built in many test files, often shared per module or session, and tests clear their request
logs; so instead of reading logs afterwards, the guard wraps `Runtime.record` (the one place every API
request is logged, admin routes excluded) and checks each entry as it is logged. conftest.py switches the
guard on for an integration test's setup, call and teardown and fails the test that sent a refused request.
"""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

from integration_tests.contract_check import is_connector_request, violations
from posthog_emulator.runtime import Runtime

SHOWN = 20  # distinct violations listed in a failure; the rest are counted


class RequestContractError(AssertionError):
    """The connector sent a request outside PostHog's facts (integration_tests/posthog_contract.py)."""


class ContractGuard:
    """Collects the violations of connector requests logged while active."""

    def __init__(self) -> None:
        self.active = False
        self._found: Counter[str] = Counter()
        self._lock = threading.Lock()

    def install(self) -> Callable[[], None]:
        """Wrap `Runtime.record` for every emulator in this process; returns the undo."""
        original = Runtime.record
        guard = self

        def record(self: Runtime, entry: dict[str, Any]) -> None:
            original(self, entry)
            guard.check(entry)

        Runtime.record = record  # type: ignore[method-assign]

        def undo() -> None:
            Runtime.record = original  # type: ignore[method-assign]

        return undo

    def check(self, entry: dict[str, Any]) -> None:
        """Hold one logged entry to the contract (server threads call this concurrently)."""
        if not self.active or not is_connector_request(entry):
            return
        problems = violations(entry)
        if problems:
            with self._lock:
                self._found.update(problems)

    def drain(self) -> Counter[str]:
        """The violations collected so far, forgotten afterwards."""
        with self._lock:
            found, self._found = self._found, Counter()
        return found


def describe(found: Counter[str]) -> str:
    """A failure message: each distinct violation once, with how often it was sent."""
    lines = [f"{count}x {problem}" for problem, count in found.most_common(SHOWN)]
    more = len(found) - SHOWN
    tail = [f"... and {more} more distinct violations"] if more > 0 else []
    header = "The connector sent requests PostHog refuses or does not read (integration_tests/posthog_contract.py):"
    return "\n".join([header, *lines, *tail])
