"""The ≥ 100,000-event exactly-once check over several projects (three not in UTC), every quirk on."""

from pathlib import Path

from integration_tests.conftest import Workspace
from integration_tests.test_events import EVENTS, assert_exactly_once, event_ids
from posthog_emulator import Emulator, EmulatorSettings


def test_given_120k_events_in_four_projects_when_read_then_none_missing_none_duplicated(tmp_path: Path) -> None:
    with Emulator(EmulatorSettings(seed=21, events=120_000, projects=4)) as emu:
        emu.configure(quirks={"query_ignore_tz_modifier": True})  # an older instance: cells in project time
        assert {p["timezone"] for p in emu.projects} - {"UTC"}
        run = Workspace(tmp_path, emu).read(EVENTS, events_page_size=5_000)
        assert run.returncode == 0, run.stderr
        truth = emu.truth("events")
        assert sum(len(ids) for ids in truth.values()) >= 100_000
        assert max(size for p in truth for _, size in emu.tie_blocks(p, min_size=2) or [("", 0)]) > 1_200
        assert_exactly_once(event_ids(run), truth)
