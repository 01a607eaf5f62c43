"""PyAirbyte, offline, reads every stream into DuckDB; after new and late events, a second read is
incremental (events, and recordings but for the still-open ones) and the cache holds every event exactly once.

PyAirbyte lives in the ecosystem venv, so integration_tests/acceptance/pyairbyte_read.py runs there and
does both reads in one process; between them this test appends events to its own emulator.
"""

import json
import os
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import pytest

from integration_tests.acceptance.ecosystem import ACCEPTANCE_DIR, REPO_ROOT, eco_bin
from integration_tests.helpers import config_for, connector_command
from posthog_emulator import Emulator, EmulatorSettings

EVENTS = 500
NEW_EVENTS = 3
LATE_EVENT_AGE = timedelta(minutes=5)  # stamped before the first read's cursor, inside the 60-minute lookback
TIMEOUT_S = 240
OFFLINE_ENV = {"AIRBYTE_OFFLINE_MODE": "1", "DO_NOT_TRACK": "1", "NO_LIVE_PROGRESS": "1"}


@pytest.fixture(scope="module")
def own_emulator() -> Iterator[Emulator]:
    """An emulator of this module only: the test appends events to it."""
    emu = Emulator(EmulatorSettings(seed=11, events=EVENTS, projects=1)).start()
    yield emu
    emu.stop()


SCHEMA_WARNING = "Could not determine airbyte type"


def next_summary(stdout: IO[str], other_lines: list[str]) -> dict[str, Any]:
    """The next JSON summary line of the read script; PyAirbyte's own prints (e.g. type warnings) are kept."""
    for line in stdout:
        if line.startswith("{"):
            summary: dict[str, Any] = json.loads(line)
            return summary
        other_lines.append(line)
    raise AssertionError("the PyAirbyte script ended before printing a summary")


def everything_printed(folder: Path, stdout_lines: list[str]) -> str:
    """stdout besides the summaries, stderr and PyAirbyte's log files: wherever a warning could land."""
    logs = [path.read_text(errors="replace") for path in sorted((folder / "logs").rglob("*")) if path.is_file()]
    return "".join(stdout_lines) + (folder / "stderr.txt").read_text(errors="replace") + "".join(logs)


@pytest.fixture(scope="module")
def reads(own_emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Read, append new and late events, read again; return both summaries and the appended ids."""
    folder = tmp_path_factory.mktemp("pyairbyte")
    config = folder / "config.json"
    config.write_text(json.dumps(config_for(own_emulator.base_url, own_emulator.api_key)), encoding="utf-8")
    project_id = next(pid for pid, ids in own_emulator.truth("events").items() if ids)
    env = {**os.environ, **OFFLINE_ENV, "AIRBYTE_LOGGING_ROOT": str(folder / "logs")}
    argv = [str(eco_bin("python")), str(ACCEPTANCE_DIR / "pyairbyte_read.py"), connector_command()[0]]
    printed: list[str] = []
    with (
        (folder / "stderr.txt").open("w") as stderr,
        subprocess.Popen(
            [*argv, str(config), str(folder / "cache"), "2"],
            cwd=REPO_ROOT,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=stderr,
            text=True,
        ) as process,
    ):
        watchdog = threading.Timer(TIMEOUT_S, process.kill)
        watchdog.start()
        try:
            assert process.stdin is not None
            assert process.stdout is not None
            first_started = datetime.now(UTC)
            first = next_summary(process.stdout, printed)
            appended = own_emulator.append_events(
                project_id,
                [{"timestamp": datetime.now(UTC)} for _ in range(NEW_EVENTS)]
                + [{"timestamp": first_started - LATE_EVENT_AGE}],
            )
            process.stdin.write("appended\n")
            process.stdin.flush()
            second = next_summary(process.stdout, printed)
        finally:
            watchdog.cancel()
    return {
        "first": first,
        "second": second,
        "appended": appended,
        "truth": own_emulator.truth("events"),
        "printed": everything_printed(folder, printed),
    }


def all_ids(truth: dict[int, list[str]]) -> list[str]:
    return sorted(str(event_id) for ids in truth.values() for event_id in ids)


def test_given_an_empty_cache_when_pyairbyte_reads_then_every_stream_lands_once(reads: dict[str, Any]) -> None:
    first = reads["first"]
    assert all(count > 0 for count in first["rows"].values()), first["rows"]
    assert first["rows"] == first["distinct_ids"]
    assert first["rows"]["events"] == EVENTS


def test_given_new_events_when_pyairbyte_reads_again_then_only_recent_events_are_read(reads: dict[str, Any]) -> None:
    second = reads["second"]
    full_refresh_rows = sum(count for stream, count in second["rows"].items() if stream not in second["written"])
    other_incremental = sum(count for stream, count in second["written"].items() if stream != "events")
    events_read = second["processed_records"] - full_refresh_rows - other_incremental
    assert second["written"]["events"] >= events_read  # every event read was written (merged) by this read
    assert len(reads["appended"]) <= events_read < EVENTS // 2  # incremental: not the 500 events again


def test_given_recordings_when_pyairbyte_reads_again_then_only_the_still_open_ones_are_read_again(
    reads: dict[str, Any],
) -> None:
    first, second = reads["first"], reads["second"]
    assert first["written"]["session_recordings"] == first["rows"]["session_recordings"] > 0
    assert 0 < second["written"]["session_recordings"] < second["rows"]["session_recordings"]
    assert second["rows"]["session_recordings"] == second["distinct_ids"]["session_recordings"]


def test_given_two_reads_when_the_cache_is_inspected_then_it_holds_every_event_exactly_once(
    reads: dict[str, Any],
) -> None:
    second = reads["second"]
    expected = all_ids(reads["truth"])
    assert len(expected) == EVENTS + NEW_EVENTS + 1
    assert second["rows"]["events"] == second["distinct_ids"]["events"] == len(expected)
    assert second["event_ids"] == expected
    assert set(reads["appended"]) <= set(second["event_ids"])


def test_given_every_stream_when_pyairbyte_reads_twice_then_no_schema_type_warning(reads: dict[str, Any]) -> None:
    # Union types such as ["null", "string", "integer"] made PyAirbyte print this 292 times for two reads.
    assert SCHEMA_WARNING not in reads["printed"]
    assert reads["first"]["rows"]  # the reads did happen, through every stream
