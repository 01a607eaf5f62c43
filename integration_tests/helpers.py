"""Run the installed `source-posthog` CLI as a subprocess and read its stdout as Airbyte messages."""

import json
import shutil
import signal
import subprocess
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson

from source_posthog.streams.table import STREAMS, WITH_EE

ALL_STREAMS = tuple(stream.name for stream in STREAMS)
ORIGINAL_STREAMS = tuple(stream.name for stream in STREAMS if stream.original)
NEWER_STREAMS = tuple(stream.name for stream in STREAMS if not stream.original)
# The original full-refresh lists, whose completeness and resume suites predate the newer streams
# (those have their own: test_newer_streams.py).
FULL_REFRESH = tuple(stream.name for stream in STREAMS if stream.original and stream.cursor_field is None)
# Registered only on PostHog with EE: a self-hosted instance without it has neither.
EE_ONLY = tuple(stream.name for stream in STREAMS if stream.only_on == WITH_EE)
CURSORS = {stream.name: stream.cursor_field for stream in STREAMS if stream.cursor_field}


def connector_command() -> list[str]:
    """The installed console script, else `python -m source_posthog` from the same interpreter."""
    script = Path(sys.executable).with_name("source-posthog")
    if script.exists():
        return [str(script)]
    found = shutil.which("source-posthog")
    return [found] if found else [sys.executable, "-m", "source_posthog"]


@dataclass
class Run:
    """The outcome of one CLI invocation."""

    returncode: int
    stdout: str
    stderr: str
    messages: list[dict[str, Any]] = field(default_factory=list)

    def of_type(self, kind: str) -> list[dict[str, Any]]:
        return [m for m in self.messages if m["type"] == kind]

    def records(self, stream: str | None = None) -> list[dict[str, Any]]:
        return [m["record"]["data"] for m in self.of_type("RECORD") if stream in (None, m["record"]["stream"])]

    def counts(self) -> Counter[str]:
        return Counter(m["record"]["stream"] for m in self.of_type("RECORD"))

    @property
    def states(self) -> list[dict[str, Any]]:
        return [m["state"] for m in self.of_type("STATE")]

    def last_state(self, stream: str = "events") -> dict[str, Any] | None:
        matching = [s for s in self.states if s["stream"]["stream_descriptor"]["name"] == stream]
        return matching[-1] if matching else None

    @property
    def errors(self) -> list[dict[str, Any]]:
        return [m["trace"]["error"] for m in self.of_type("TRACE") if m["trace"]["type"] == "ERROR"]

    @property
    def connection_status(self) -> dict[str, Any]:
        (message,) = self.of_type("CONNECTION_STATUS")
        return dict(message["connectionStatus"])

    @property
    def logs(self) -> list[str]:
        return [m["log"]["message"] for m in self.of_type("LOG")]


def parse_messages(stdout: str) -> list[dict[str, Any]]:
    """Every stdout line must be one JSON Airbyte message; anything else fails the test.

    orjson, not json: parsing a read's output was a sixth of a large read test's time (py-spy).
    """
    messages = []
    for line in stdout.splitlines():
        message = orjson.loads(line)
        assert isinstance(message, dict), f"not an Airbyte message: {line[:200]}"
        assert "type" in message, f"not an Airbyte message: {line[:200]}"
        messages.append(message)
    return messages


def run_connector(args: list[str], timeout: float = 300, env: dict[str, str] | None = None) -> Run:
    """Run the CLI to completion and parse its output."""
    done = subprocess.run(
        [*connector_command(), *args], capture_output=True, text=True, timeout=timeout, check=False, env=env
    )
    return Run(done.returncode, done.stdout, done.stderr, parse_messages(done.stdout))


def run_and_kill(
    args: list[str], marker: bytes, after: int, stderr_path: Path, command: list[str] | None = None
) -> Run:
    """Run the CLI (or `command`), SIGKILL it once `after` stdout lines start with `marker`; keep all it wrote."""
    lines: list[bytes] = []
    seen = 0
    with (
        stderr_path.open("wb") as stderr,
        subprocess.Popen([*(command or connector_command()), *args], stdout=subprocess.PIPE, stderr=stderr) as process,
    ):
        assert process.stdout is not None
        for line in process.stdout:
            lines.append(line)
            seen += line.startswith(marker)
            if seen >= after:
                process.send_signal(signal.SIGKILL)
                break
        lines.extend(process.stdout.readlines())  # what it wrote before dying still reaches the platform
        code = process.wait()
    text = b"".join(lines).decode()
    complete = text[: text.rfind("\n") + 1]  # a torn last line is dropped
    return Run(code, complete, stderr_path.read_text(), parse_messages(complete))


def write_json(folder: Path, name: str, content: Any) -> str:
    """Write `content` as JSON into `folder/name` and return the path as a string."""
    path = folder / name
    path.write_text(json.dumps(content), encoding="utf-8")
    return str(path)


def config_for(base_url: str, api_key: str, **overrides: Any) -> dict[str, Any]:
    """A valid config for an emulator."""
    return {"api_key": api_key, "start_date": "2020-01-01T00:00:00Z", "base_url": base_url, **overrides}


def catalog_for(streams: tuple[str, ...] | list[str] = ALL_STREAMS, events_mode: str = "incremental") -> dict[str, Any]:
    """A configured catalog selecting `streams`; events and recordings in `events_mode`, others full refresh."""
    entries = []
    for name in streams:
        incremental = name in CURSORS and events_mode == "incremental"
        entries.append(
            {
                "stream": {"name": name, "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]},
                "sync_mode": "incremental" if incremental else "full_refresh",
                "destination_sync_mode": "append_dedup" if incremental else "overwrite",
                **({"cursor_field": [CURSORS[name]]} if incremental else {}),
            }
        )
    return {"streams": entries}


def state_file_from(run: Run, folder: Path, name: str = "state.json") -> str:
    """Save the last STATE per stream of `run`, as Airbyte would pass it to the next read."""
    latest: dict[str, Any] = {}
    for state in run.states:
        latest[state["stream"]["stream_descriptor"]["name"]] = state
    return write_json(folder, name, list(latest.values()))
