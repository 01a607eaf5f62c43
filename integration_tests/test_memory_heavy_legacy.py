"""On an instance without `/query/`, a heavy event is alone in its `/events/` page the first time (issue 23).

Four events of 6-8 MB among 2,000 light ones, two of them sharing their timestamp with light neighbours and two
sharing one timestamp with each other, read through the legacy `/events/` list under a 64 MB budget. The page
that first meets a heavy event is abandoned past its ceiling; the rows before it come as a page, the event then
alone (`limit=1` at its offset), and no later request returns it again (a HogQL filter leaves it out at its
timestamp). Every event arrives once, one WARN counts the four, and a resumed read delivers the rest.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.replay import replayed_pages
from integration_tests.test_memory_budget import ids, measured_read, state_before
from posthog_emulator import Emulator, EmulatorSettings, Quirks
from source_posthog.config.file import parse_config
from source_posthog.streams.context import ReadContext
from source_posthog.streams.events import legacy
from source_posthog.streams.events.cursors import Checkpoint, EventsRead
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.sync.progress import Progress
from source_posthog.sync.run import make_client
from unit_tests.fakes import MemorySink

START = (datetime.now(UTC) - timedelta(days=402)).strftime("%Y-%m-%dT00:00:00Z")
WARNING = "larger than a page's share of max_memory_mb"


def heavy_legacy_emulator() -> tuple[Emulator, list[str]]:
    """2,000 light events, no `/query/`, and four heavy ones: alone; between light ties; two tied together."""
    quirks = Quirks(query_api_available=False, events_offset_penalty_s=0.0)
    emu = Emulator(EmulatorSettings(seed=41, events=2_000, projects=1, edge_projects=False, quirks=quirks)).start()
    now = datetime.now(UTC).replace(microsecond=0)
    alone, tied, pair = (now - timedelta(days=days, seconds=7) for days in (120, 70, 20))

    def event(at: datetime, size: int = 0) -> dict[str, Any]:
        return {"timestamp": at, "properties": {"$ai_input": "y" * size} if size else {"light": True}}

    heavy = emu.append_events(101, [event(alone, 6_000_000)])
    emu.append_events(101, [event(tied), event(tied)])
    heavy += emu.append_events(101, [event(tied, 7_000_000)])
    emu.append_events(101, [event(tied), event(pair)])
    heavy += emu.append_events(101, [event(pair, 8_000_000), event(pair, 6_000_000)])
    emu.append_events(101, [event(pair)])
    return emu, heavy


def test_given_heavy_events_on_the_legacy_list_when_read_then_each_alone_once_and_one_warn(tmp_path: Path) -> None:
    emu, heavy = heavy_legacy_emulator()
    try:
        emu.clear_requests()
        run, _ = measured_read(emu, tmp_path, start_date=START)
        truth = sorted(emu.truth("events")[101])

        assert run.returncode == 0, run.errors
        assert len(ids(run)) == len(set(ids(run))) == len(truth)
        assert sorted(ids(run)) == truth
        pages = replayed_pages(emu, "/events")
        for event_id in heavy:
            alone = [i for i, (limit, got) in enumerate(pages) if limit == "1" and got == [event_id]]
            assert len(alone) == 1, f"{event_id} asked alone {len(alone)} times"
            later = [got for _, got in pages[alone[0] + 1 :] if event_id in got]
            assert not later, f"{event_id} returned again after it was read alone"
        warnings = [log for log in run.logs if WARNING in log]
        assert len(warnings) == 1, run.logs
        assert warnings[0].startswith(f"{len(heavy)} events list row(s)")

        checkpoint, rest = state_before(run, heavy[1])
        resumed, _ = measured_read(emu, tmp_path, state=[checkpoint], start_date=START)
        assert resumed.returncode == 0, resumed.errors
        again = ids(resumed)
        assert len(again) == len(set(again))
        assert set(rest) <= set(again)  # the rest, plus the events at the checkpoint's timestamp re-read
        assert len(set(again) - set(rest)) <= 2
    finally:
        emu.stop()


def test_given_an_instance_ignoring_hogql_filters_when_heavy_events_read_then_once_and_a_warn(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # As if PostHog dropped the filter that leaves a heavy event out: the reader sees it again, stops cutting, WARNs.
    monkeypatch.setattr(legacy, "property_filters", lambda names, uuids, skip: None)
    emu, heavy = heavy_legacy_emulator()
    try:
        config = parse_config({"api_key": emu.api_key, "start_date": START, "base_url": emu.base_url,
                               "events_time_step": 91, "max_memory_mb": 64})  # fmt: skip
        output = MemorySink()
        client = make_client(config, output)
        sync = ReadContext(config, client, output, [], Progress(output, client.stats))
        read = EventsRead(sync, STREAMS_BY_NAME["events"], Checkpoint(output, {}), datetime.now(UTC))
        legacy.read_project_legacy(read, 101)
        got = [m["record"]["data"]["id"] for m in output.messages if m["type"] == "RECORD"]
        logs = [m["log"]["message"] for m in output.messages if m["type"] == "LOG"]

        assert sorted(got) == sorted(emu.truth("events")[101])
        assert len(got) == len(set(got))
        assert set(heavy) <= set(got)
        assert sum("ignores HogQL property filters on /events/" in log for log in logs) == 1, logs
    finally:
        emu.stop()
