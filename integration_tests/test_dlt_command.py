"""`source-posthog-load` against the emulator: one command into DuckDB, rerun incrementally, killed and rerun
without loss or duplicates, and bad input as one ERROR line with exit code 1 (never a traceback, never the key)."""

import io
import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("dlt", reason="dlt is not installed: pip install 'source-posthog[dlt]'")

from integration_tests.dlt_helpers import by_project, column_types, fast_config, table_keys, write_config
from posthog_emulator import Emulator, EmulatorSettings
from source_posthog.dlt.cli import main

COMMAND = [sys.executable, "-m", "source_posthog.dlt"]


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorSettings(seed=41, events=4_000, projects=2)) as emulator:
        yield emulator


def run_main(*argv: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main(list(argv), out, err)
    return code, out.getvalue(), err.getvalue()


def assert_complete_and_unique(path: Path, emu: Emulator, stream: str) -> None:
    keys = table_keys(path, stream)
    assert not [key for key, n in Counter(map(str, keys)).items() if n > 1], f"{stream}: duplicates"
    assert by_project(keys) == {pid: ids for pid, ids in emu.truth(stream).items() if ids}, stream


def test_given_config_when_command_run_twice_then_tables_and_summary_and_incremental(
    emu: Emulator, tmp_path: Path
) -> None:
    config = write_config(tmp_path, fast_config(emu))
    database = str(tmp_path / "posthog.duckdb")
    code, out, err = run_main("--config", config, "--duckdb", database, "--streams", "events,persons")
    assert code == 0, err
    assert out.splitlines()[1].split() == ["events", "4,000", "4,000"]
    assert "events: COMPLETE" in err
    code, out, err = run_main("--config", config, "--duckdb", database, "--streams", "events,persons")
    assert code == 0, err
    loaded, total = out.splitlines()[1].split()[1:]
    assert total == "4,000"
    assert int(loaded.replace(",", "")) < 4_000  # incremental: the lookback at most, not the history
    for stream in ("events", "persons"):
        assert_complete_and_unique(Path(database), emu, stream)
    events = column_types(Path(database), "events")  # loaded from JSON-lines files: the same types
    assert (events["timestamp"], events["properties"]) == ("TIMESTAMP WITH TIME ZONE", "JSON")
    assert emu.api_key not in out + err


def test_given_load_killed_mid_events_when_rerun_then_nothing_lost_nothing_duplicated(
    emu: Emulator, tmp_path: Path
) -> None:
    database = tmp_path / "posthog.duckdb"
    config = write_config(tmp_path, fast_config(emu))
    args = [*COMMAND, "--config", config, "--duckdb", str(database), "--streams", "events,persons"]
    emu.configure(faults={"query_latency_s": 0.15})  # the events read takes seconds: the kill lands inside it
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err, subprocess.Popen(args, stderr=err, stdout=subprocess.DEVNULL) as proc:
        deadline = time.monotonic() + 60
        while b"events: STARTED" not in stderr.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(1.5)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL, stderr.read_text()
    assert "events: COMPLETE" not in stderr.read_text()
    emu.configure(faults={"query_latency_s": 0.0})
    done = subprocess.run(args, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    for stream in ("events", "persons"):
        assert_complete_and_unique(database, emu, stream)


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--config", "missing.json"], "Config file missing.json not found"),
        (["--streams", "events,evnts"], "Unknown stream(s) evnts"),
        (["--dataset", "posthog"], "Pick a --dataset other than 'posthog'"),
    ],
)
def test_given_bad_input_when_command_run_then_one_error_line_and_exit_1(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str], message: str
) -> None:
    config = write_config(tmp_path, fast_config(emu))
    monkeypatch.chdir(tmp_path)
    code, _out, err = run_main("--config", config, "--duckdb", str(tmp_path / "posthog.duckdb"), *argv)
    assert code == 1
    assert message in err
    assert "Traceback" not in err
    assert err.startswith("ERROR ")


def test_given_wrong_key_when_command_run_then_error_names_the_key_problem_without_it(
    emu: Emulator, tmp_path: Path
) -> None:
    wrong = "phx_" + "x" * 40
    config = write_config(tmp_path, fast_config(emu, api_key=wrong))
    code, out, err = run_main("--config", config, "--duckdb", str(tmp_path / "posthog.duckdb"), "--streams", "events")
    assert code == 1
    assert wrong not in out + err
    assert "Traceback" not in err
    assert err.strip().splitlines()[-1].startswith("ERROR ")
