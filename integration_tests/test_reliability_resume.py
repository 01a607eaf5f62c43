"""Kill and resume (issue 7.3, 7.5): SIGKILL a full read anywhere, resume from the last STATE it printed.

What a resume re-reads, and why:
- Events resume exactly after the (timestamp, uuid) of the last page whose STATE was printed, so at most
  the one page that was being written when the process died is delivered again (`append_dedup` absorbs it).
- Full-refresh streams (projects, annotations, cohorts, feature flags, insights, persons) are read again in
  full, even those the killed read had completed. The protocol gives a source no job identity: a "stream
  done" marker in STATE would be handed back by the platform (and by PyAirbyte) on the *next* sync too and
  freeze the stream; a full-refresh overwrite also needs the complete list from one attempt. These lists
  are small and read before events, so re-reading them costs seconds.
- After the events stream completes, its state is the sync's upper bound without a uuid, which a later
  sync starts `events_lookback_minutes` before. The kills below run with a lookback of 0, so a read killed
  during persons (after events completed) re-delivers no event; with the default 60 minutes it would
  re-deliver the last hour's events once, by design, to catch late arrivals.
"""

import random
import signal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration_tests.helpers import FULL_REFRESH, Run, catalog_for, config_for, run_and_kill, write_json
from integration_tests.helpers import state_file_from as last_states_file
from integration_tests.reliability import all_gaps, assert_no_leak, assert_union_complete, read, throttle_class
from posthog_emulator import Emulator, EmulatorSettings

PAGE = 500
READ: dict[str, Any] = {"events_time_step": 91, "events_page_size": PAGE, "events_lookback_minutes": 0}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """Two projects (plus the empty and one-event ones), 5,000 events, 200 persons each, quirks on."""
    emulator = Emulator(EmulatorSettings(seed=41, events=5_000, projects=2, persons_per_project=200)).start()
    yield emulator
    emulator.stop()


def read_and_kill(emu: Emulator, folder: Path, stream: str, after: int) -> Run:
    """Start a full read, SIGKILL it once `after` records of `stream` were printed; keep all it wrote."""
    config = write_json(folder, "config.json", config_for(emu.base_url, emu.api_key, **READ))
    args = ["read", "--config", config, "--catalog", write_json(folder, "catalog.json", catalog_for())]
    marker = f'{{"type":"RECORD","record":{{"stream":"{stream}"'.encode()
    return run_and_kill(args, marker, after, folder / "stderr.txt")


@pytest.mark.parametrize(
    ("stream", "seed"),
    [("feature_flags", 1), ("events", 2), ("events", 3), ("events", 9), ("events", 6), ("persons", 5)],
)
def test_given_read_killed_at_a_seeded_point_when_resumed_from_last_state_then_nothing_lost(
    emu: Emulator, tmp_path: Path, stream: str, seed: int
) -> None:
    after = random.Random(seed).randrange(1, len(emu.truth(stream, unique=True)))  # noqa: S311 - kill point
    killed = read_and_kill(emu, tmp_path, stream, after)
    assert killed.returncode == -signal.SIGKILL, f"{stream} #{after}: the read finished before the kill"
    emu.clear_requests()

    resumed = read(emu, tmp_path, state=last_states_file(killed, tmp_path), **READ)

    assert resumed.returncode == 0, resumed.errors
    redelivered = assert_union_complete([killed, resumed], emu, max_redelivered=PAGE)
    print(f"killed in {stream} after {after}: {len(killed.records('events'))} events, {redelivered} re-delivered")
    if stream != "events":  # no events page was in flight: nothing at all is delivered twice
        assert redelivered == 0
    assert all_gaps(resumed, emu, FULL_REFRESH) == {}  # overwrite gets each complete list from one attempt
    assert {"crud", "clickhouse"} <= {throttle_class(entry) for entry in emu.requests}  # re-read
    assert any(" FROM raw_persons WHERE id <= " in str(entry["body"]) for entry in emu.requests)  # persons re-read
    assert_no_leak(killed, emu)
    assert_no_leak(resumed, emu)
