"""Check every request the connector sends to any emulator, while an integration test runs.

Emulators are built in many test files, often shared per module or session, and tests clear their request
logs; so instead of reading logs afterwards, the guard wraps `App.handle` (every request of every in-process
emulator passes there) and checks each request as it arrives, whole: the request log drops bodies over
16 KiB, which a long `/query/` can exceed. conftest.py switches the guard on for an integration test's
setup, call and teardown and fails the test that sent a refused request.
"""

import threading
from collections import Counter
from collections.abc import Callable
from typing import Any

import orjson

from integration_tests.contract_check import is_connector_request, violations
from posthog_emulator.common.web import Request
from posthog_emulator.server.app import App, Outcome

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
        """Wrap `App.handle` for every emulator in this process; returns the undo."""
        original = App.handle
        guard = self

        def handle(self: App, req: Request) -> Outcome:
            guard.check(entry_of(req))
            return original(self, req)

        App.handle = handle  # type: ignore[method-assign]

        def undo() -> None:
            App.handle = original  # type: ignore[method-assign]

        return undo

    def check(self, entry: dict[str, Any]) -> None:
        """Hold one request, as a log-shaped entry, to the contract (server threads call this concurrently)."""
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


def entry_of(req: Request) -> dict[str, Any]:
    """The fields of a request-log entry the checker reads, with the body never truncated."""
    try:
        body: Any = orjson.loads(req.body) if req.body else None
    except orjson.JSONDecodeError:
        body = req.body.decode(errors="replace")
    headers = {"user_agent": req.headers.get("user-agent")}
    return {"method": req.method, "path": req.path, "query": req.query, "body": body, "headers": headers}


def describe(found: Counter[str]) -> str:
    """A failure message: each distinct violation once, with how often it was sent."""
    lines = [f"{count}x {problem}" for problem, count in found.most_common(SHOWN)]
    more = len(found) - SHOWN
    tail = [f"... and {more} more distinct violations"] if more > 0 else []
    header = "The connector sent requests PostHog refuses or does not read (integration_tests/posthog_contract.py):"
    return "\n".join([header, *lines, *tail])
