"""A self-hosted PostHog without EE (emulator profile "foss") through the CLI: no experiments/ and no
groups_types/ there (registered only `if EE_AVAILABLE`, posthog/api/__init__.py @129fc2db; catch-all 404
"Endpoint not found.", `api_not_found` in the same file). `check` succeeds and names both; a read of every
stream skips them with one WARN each and exits 0 (issue 22, item 1)."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import ALL_STREAMS, EE_ONLY, Run, run_connector
from posthog_emulator import Emulator, EmulatorSettings

MISSING = EE_ONLY


@pytest.fixture(scope="module")
def foss() -> Iterator[Emulator]:
    emulator = Emulator(EmulatorSettings(seed=9, events=2_000, projects=2, profile="foss"))
    yield emulator.start()
    emulator.stop()


@pytest.fixture(scope="module")
def foss_read(foss: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Run:
    return Workspace(tmp_path_factory.mktemp("foss"), foss).read(ALL_STREAMS)


def test_given_instance_without_ee_when_check_then_succeeds_naming_the_missing_streams(
    foss: Emulator, tmp_path: Path
) -> None:
    run = run_connector(["check", "--config", Workspace(tmp_path, foss).config()])

    status = run.connection_status
    assert status["status"] == "SUCCEEDED", status
    for name in MISSING:
        assert (
            f"{name} exist only on PostHog with EE (this instance answers HTTP 404 Endpoint not found.)"
            in (status["message"])
        )
    assert "not on this instance, so a read skips them" in status["message"]


def test_given_instance_without_ee_when_read_every_stream_then_exit_zero(foss_read: Run) -> None:
    assert foss_read.returncode == 0, foss_read.errors
    assert foss_read.errors == []


@pytest.mark.parametrize("stream", MISSING)
def test_given_instance_without_ee_when_read_then_stream_skipped_with_one_warning_and_complete(
    foss_read: Run, stream: str
) -> None:
    skips = [line for line in foss_read.logs if line.startswith(f"Stream {stream} skipped:")]
    assert skips == [
        f"Stream {stream} skipped: {stream} exist only on PostHog with EE "
        "(this instance answers HTTP 404 Endpoint not found.)."
    ]
    statuses = [
        m["trace"]["stream_status"]["status"]
        for m in foss_read.of_type("TRACE")
        if m["trace"]["type"] == "STREAM_STATUS" and m["trace"]["stream_status"]["stream_descriptor"]["name"] == stream
    ]
    assert statuses[-1] == "COMPLETE"
    assert foss_read.records(stream) == []


def test_given_instance_without_ee_when_read_then_only_those_two_skipped(foss_read: Run) -> None:
    assert sorted(line.split()[1] for line in foss_read.logs if " skipped: " in line) == sorted(MISSING)
