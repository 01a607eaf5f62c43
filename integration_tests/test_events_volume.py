"""The ≥ 100,000-event exactly-once check over several projects (three not in UTC), every quirk on.

Also a report: `.venv/bin/python -m integration_tests.test_events_volume [EVENTS]` prints
delivered / expected events per project for one read of the emulator.
"""

import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run
from integration_tests.test_events import EVENTS, assert_exactly_once, event_ids
from posthog_emulator import Emulator, EmulatorSettings


def read_volume(emu: Emulator, folder: Path) -> Run:
    """One events read of every project; /query/ datetimes come back in each project's timezone."""
    emu.configure(quirks={"query_ignore_tz_modifier": True})  # an older instance: cells in project time
    return Workspace(folder, emu).read(EVENTS, events_page_size=5_000)


def test_given_120k_events_in_four_projects_when_read_then_none_missing_none_duplicated(tmp_path: Path) -> None:
    with Emulator(EmulatorSettings(seed=21, events=120_000, projects=4)) as emu:
        assert {p["timezone"] for p in emu.projects} - {"UTC"}
        run = read_volume(emu, tmp_path)
        assert run.returncode == 0, run.stderr
        truth = emu.truth("events")
        assert sum(len(ids) for ids in truth.values()) >= 100_000
        assert max(size for p in truth for _, size in emu.tie_blocks(p, min_size=2) or [("", 0)]) > 1_200
        assert_exactly_once(event_ids(run), truth)


def main(events: int) -> None:
    with Emulator(EmulatorSettings(seed=21, events=events, projects=4)) as emu, tempfile.TemporaryDirectory() as tmp:
        started = time.monotonic()
        run = read_volume(emu, Path(tmp))
        print(f"read exit code {run.returncode} in {time.monotonic() - started:.1f} s")
        delivered = event_ids(run)
        timezones = {p["id"]: p["timezone"] for p in emu.projects}
        for project_id, expected in emu.truth("events").items():
            got = Counter(delivered.get(project_id, []))
            missing = len(set(expected) - set(got))
            print(
                f"project {project_id} ({timezones[project_id]}): delivered {sum(got.values())} / expected "
                f"{len(expected)}, missing {missing}, duplicated {sum(n - 1 for n in got.values())}"
            )


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 120_000)
