"""The emulator as a separate process, so it never shares a GIL with the client being timed.

Started once per dataset size (its build time is not measured); its admin routes give the truth
(what a complete sync must deliver) and the request log (what each run cost).
"""

import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"


@dataclass(frozen=True)
class Emulator:
    """A running emulator: where it listens and the key it accepts."""

    base_url: str
    api_key: str
    process: subprocess.Popen[bytes]

    def admin(self, route: str, method: str = "GET") -> Any:
        """Call an admin route under /_emulator/ (no auth) and return its JSON."""
        request = urllib.request.Request(f"{self.base_url}/_emulator/{route}", method=method)  # noqa: S310
        with urllib.request.urlopen(request, timeout=600) as response:  # noqa: S310 (127.0.0.1 only)
            return orjson.loads(response.read())

    def truth_ids(self) -> set[str]:
        """Every event id a complete sync must deliver, over all projects."""
        truth = self.admin("truth?stream=events")
        return {event_id for ids in truth.values() for event_id in ids}

    def request_log(self) -> list[dict[str, Any]]:
        """The emulator's request log since the last `clear_request_log`, oldest first."""
        entries: list[dict[str, Any]] = self.admin("requests")
        return entries

    def clear_request_log(self) -> None:
        """Forget logged requests, so the next log holds exactly one run's."""
        self.admin("requests", method="DELETE")


@contextmanager
def running_emulator(events: int, projects: int, seed: int, real_limits: bool) -> Iterator[Emulator]:
    """Start `python -m posthog_emulator` on a free port (quirks on) and stop it afterwards."""
    command = [str(PYTHON), "-m", "posthog_emulator", "--host", "127.0.0.1", "--port", "0"]
    command += ["--seed", str(seed), "--events", str(events), "--projects", str(projects)]
    if real_limits:
        command.append("--real-limits")
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE)
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            sys.exit(f"the emulator exited before it was ready (exit code {process.wait()})")
        ready = orjson.loads(line)
        yield Emulator(ready["base_url"], ready["api_key"], process)
    finally:
        process.terminate()
        process.wait(timeout=30)
