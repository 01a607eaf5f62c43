"""Resume after a kill re-reads only what came after the last committed checkpoint (issue 25).

dlt commits a resource's state only with the run that set it; `source-posthog-load` (and `load_posthog`) therefore
load each incremental stream in runs of about `--checkpoint-records` records, each ending at a STATE of the read.
Killed mid-read, the rerun loads nothing twice into the tables and asks PostHog only for the events after the last
committed checkpoint, as an Airbyte platform resuming from its last STATE would, instead of the whole read again.
"""

import signal
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

dlt = pytest.importorskip("dlt", reason="dlt is not installed: pip install 'source-posthog[dlt]'")

from integration_tests.dlt_helpers import DATASET, by_project, fast_config, rows, table_keys, write_config  # noqa: E402
from posthog_emulator import Emulator, EmulatorSettings  # noqa: E402
from source_posthog.dlt import load_posthog, posthog  # noqa: E402

COMMAND = [sys.executable, "-m", "source_posthog.dlt"]
PAGE, CHECKPOINT = 200, 1_000  # a STATE every page of 200 events; a dlt run (a commit) per 1,000 events
COMMITTED = "events: checkpoint committed"


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorSettings(seed=43, events=6_000, projects=2)) as emulator:
        yield emulator


def events_requested(emu: Emulator) -> tuple[int, int]:
    """(event rows PostHog returned, page queries) in the request log: keyset pages, not the density counts."""
    pages = [e for e in emu.requests if "ORDER BY timestamp ASC, uuid ASC" in str(e.get("body"))]
    return sum(entry["query_cost"]["returned_rows"] for entry in pages), len(pages)


def assert_complete_and_unique(path: Path, emu: Emulator) -> None:
    keys = table_keys(path, "events")
    assert not [key for key, n in Counter(map(str, keys)).items() if n > 1], "duplicates"
    assert by_project(keys) == {pid: ids for pid, ids in emu.truth("events").items() if ids}


def kill_after_commits(args: list[str], stderr: Path, commits: int) -> None:
    """Run the command and SIGKILL it once `commits` checkpoints were committed (the read still going)."""
    with stderr.open("wb") as err, subprocess.Popen(args, stderr=err, stdout=subprocess.DEVNULL) as proc:
        deadline = time.monotonic() + 120
        while stderr.read_bytes().count(COMMITTED.encode()) < commits and time.monotonic() < deadline:
            time.sleep(0.02)
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL, stderr.read_text()
    assert "events: COMPLETE" not in stderr.read_text()


def test_given_load_killed_after_commits_when_rerun_then_only_events_after_last_commit_requested(
    emu: Emulator, tmp_path: Path
) -> None:
    database = tmp_path / "posthog.duckdb"
    config = write_config(tmp_path, fast_config(emu, events_page_size=PAGE))
    args = [*COMMAND, "--config", config, "--duckdb", str(database), "--streams", "events"]
    emu.configure(faults={"query_latency_s": 0.15})  # the read takes seconds: the kill lands inside it
    kill_after_commits([*args, "--checkpoint-records", str(CHECKPOINT)], tmp_path / "stderr.txt", commits=2)
    committed = len(table_keys(database, "events"))
    total = sum(len(ids) for ids in emu.truth("events").values())
    assert 2 * CHECKPOINT <= committed < total  # precondition: killed between two commits, mid-read

    emu.configure(faults={"query_latency_s": 0.0})
    emu.clear_requests()
    done = subprocess.run([*args, "--checkpoint-records", str(CHECKPOINT)], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert_complete_and_unique(database, emu)
    requested, pages = events_requested(emu)
    # What Airbyte mode re-delivers when resumed from its last STATE: the events after it. Each page asks one row
    # more than it keeps (LIMIT n+1), so the bound allows one row per page.
    print(f"total {total}, committed before the kill {committed}, requested on the rerun {requested} in {pages} pages")
    assert requested <= total - committed + pages, (requested, total, committed)


def test_given_checkpoints_off_when_killed_and_rerun_then_whole_read_requested_again(
    emu: Emulator, tmp_path: Path
) -> None:
    """The contrast that shows what the checkpoints save: one commit per read re-reads everything after a kill."""
    database = tmp_path / "posthog.duckdb"
    config = write_config(tmp_path, fast_config(emu, events_page_size=PAGE))
    args = [*COMMAND, "--config", config, "--duckdb", str(database), "--streams", "events", "--checkpoint-records", "0"]
    emu.configure(faults={"query_latency_s": 0.15})
    stderr = tmp_path / "stderr.txt"
    with stderr.open("wb") as err, subprocess.Popen(args, stderr=err) as proc:
        deadline = time.monotonic() + 120
        while b"events: STARTED" not in stderr.read_bytes() and time.monotonic() < deadline:
            time.sleep(0.02)
        time.sleep(3)  # about half of the read
        proc.send_signal(signal.SIGKILL)
        assert proc.wait() == -signal.SIGKILL
    assert "events: COMPLETE" not in stderr.read_text()
    tables = "SELECT count(*) FROM information_schema.tables WHERE table_name = 'events'"
    assert not database.exists() or rows(database, tables) == [(0,)]  # one commit per read: nothing committed
    emu.configure(faults={"query_latency_s": 0.0})
    emu.clear_requests()
    assert subprocess.run(args, capture_output=True, check=False).returncode == 0
    assert_complete_and_unique(database, emu)
    total = sum(len(ids) for ids in emu.truth("events").values())
    assert events_requested(emu)[0] >= total


def pipeline_in(folder: Path) -> Any:
    return dlt.pipeline(
        "posthog_resume",
        destination=dlt.destinations.duckdb(str(folder / "posthog.duckdb")),
        dataset_name=DATASET,
        pipelines_dir=str(folder / "pipelines"),
    )


def test_given_run_extracted_but_not_loaded_when_load_posthog_then_package_loaded_and_read_goes_on(
    emu: Emulator, tmp_path: Path
) -> None:
    """A kill between extract and load leaves a package whose checkpoint is already the local state: it is loaded
    first (dlt's own `run` would load it and stop), and the read goes on from that checkpoint."""
    pipeline = pipeline_in(tmp_path)
    pipeline.extract(posthog(**fast_config(emu)).with_resources("events"))  # then "killed": nothing loaded
    assert pipeline.has_pending_data
    emu.clear_requests()
    result = load_posthog(pipeline_in(tmp_path), streams=["events"], **fast_config(emu))
    assert result.runs == 1
    assert_complete_and_unique(tmp_path / "posthog.duckdb", emu)
    total = sum(len(ids) for ids in emu.truth("events").values())
    assert events_requested(emu)[0] < total // 10  # the lookback after the finished read, not the history
