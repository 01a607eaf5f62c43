"""A session recording heavier than a page's share of `max_memory_mb` is alone in its page (issue 23).

PostHog lists each recording with its person and every one of the person's properties, so a person with
megabytes of properties makes each of their recordings that heavy (the emulator's `weigh_recordings`). Under a
64 MB budget (a page may hold about 2.2 MB), the page that first meets one is abandoned past that, the recordings
before it come as a page (`limit=<n>` at the same offset), then it alone (`limit=1`). Every recording arrives
once and one WARN counts those read alone.
"""

from pathlib import Path

from integration_tests.conftest import Workspace
from integration_tests.replay import replayed_pages
from posthog_emulator import Emulator, EmulatorSettings

HEAVY_BYTES = 5_000_000
WARNING = "larger than a page's share of max_memory_mb"


def test_given_heavy_recordings_when_read_then_each_alone_in_its_page_once_and_one_warn(tmp_path: Path) -> None:
    emu = Emulator(EmulatorSettings(seed=43, events=500, projects=1, edge_projects=False)).start()
    try:
        heavy = emu.weigh_recordings(101, every=5, person_bytes=HEAVY_BYTES)
        truth = sorted(emu.truth("session_recordings")[101])
        assert len(heavy) >= 3
        assert set(heavy) <= set(truth)
        emu.clear_requests()
        run = Workspace(tmp_path, emu).read(("session_recordings",), max_memory_mb=64)

        assert run.returncode == 0, run.stderr
        got = [str(record["id"]) for record in run.records("session_recordings")]
        assert sorted(got) == truth
        assert len(got) == len(set(got))
        pages = replayed_pages(emu, "/session_recordings")
        for recording_id in heavy:
            alone = [got for limit, got in pages if limit == "1" and got == [recording_id]]
            assert alone, f"{recording_id} never asked alone"
        warnings = [log for log in run.logs if WARNING in log]
        assert len(warnings) == 1, run.logs
        assert warnings[0].split(" ")[1:4] == ["session_recordings", "list", "row(s)"]
        assert int(warnings[0].split(" ")[0]) >= len(heavy)
    finally:
        emu.stop()
