"""The installed CLI, run as a subprocess against the emulator: every command, every stdout line a message."""

import re

from integration_tests.conftest import Workspace
from integration_tests.helpers import ALL_STREAMS, FULL_REFRESH, run_connector
from source_posthog.streams.table import STREAMS


def test_given_emulator_when_spec_check_discover_then_each_succeeds(workspace: Workspace) -> None:
    spec = run_connector(["spec"])
    assert spec.returncode == 0
    assert spec.of_type("SPEC")

    check = run_connector(["check", "--config", workspace.config()])
    assert check.returncode == 0
    assert check.connection_status["status"] == "SUCCEEDED"

    discover = run_connector(["discover", "--config", workspace.config()])
    assert discover.returncode == 0
    (catalog,) = discover.of_type("CATALOG")
    assert [s["name"] for s in catalog["catalog"]["streams"]] == [stream.name for stream in STREAMS]


def test_given_emulator_when_read_full_refresh_streams_then_records_statuses_and_exit_zero(
    workspace: Workspace,
) -> None:
    run = workspace.read(FULL_REFRESH)
    assert run.returncode == 0, run.errors
    assert run.errors == []
    assert set(run.counts()) == set(FULL_REFRESH)
    statuses = [
        m["trace"]["stream_status"]["status"] for m in run.of_type("TRACE") if m["trace"]["type"] == "STREAM_STATUS"
    ]
    assert statuses.count("COMPLETE") == len(FULL_REFRESH)
    assert "INCOMPLETE" not in statuses
    assert run.stderr == ""


def test_given_every_stream_when_read_then_each_is_started_running_complete_with_a_summary_line(
    workspace: Workspace,
) -> None:
    run = workspace.read(ALL_STREAMS)
    assert run.returncode == 0, run.errors
    per_stream: dict[str, list[str]] = {}
    for message in run.of_type("TRACE"):
        if message["trace"]["type"] == "STREAM_STATUS":
            status = message["trace"]["stream_status"]
            per_stream.setdefault(status["stream_descriptor"]["name"], []).append(status["status"])
    assert per_stream == {name: ["STARTED", "RUNNING", "COMPLETE"] for name in ALL_STREAMS}
    summaries = [line.split(":")[0] for line in run.logs if re.match(r"Stream \w+: [\d,]+ records in ", line)]
    assert summaries == [f"Stream {name}" for name in ALL_STREAMS]
