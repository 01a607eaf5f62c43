"""The `/events/` fallback against the emulator's legacy list: 1,000-row clamp, exclusive bounds, tie loss.

The reader is driven in-process here, to look at its requests closely; test_events_fallback.py
drives the installed CLI against an emulator without `/query/`.
"""

from datetime import UTC, datetime

from posthog_emulator import Emulator, EmulatorSettings
from source_posthog.config.file import parse_config
from source_posthog.streams.context import ReadContext
from source_posthog.streams.events.cursors import Checkpoint, EventsRead
from source_posthog.streams.events.legacy import read_project_legacy
from source_posthog.streams.table import STREAMS_BY_NAME
from source_posthog.sync.progress import Progress
from source_posthog.sync.run import make_client
from unit_tests.fakes import MemorySink


def test_given_legacy_list_with_ties_at_page_edges_when_read_then_exactly_once() -> None:
    # Tie blocks of 900 and 700 straddle the clamped 1,000-row pages; `next` alone would lose their tails.
    with Emulator(EmulatorSettings(seed=13, events=8_000, projects=2, tie_blocks=(900, 700))) as emu:
        config = parse_config({"api_key": emu.api_key, "start_date": "2020-01-01T00:00:00Z",
                               "base_url": emu.base_url, "events_time_step": 91})  # fmt: skip
        output = MemorySink()
        client = make_client(config, output)
        sync = ReadContext(config, client, output, [], Progress(output, client.stats))
        read = EventsRead(sync, STREAMS_BY_NAME["events"], Checkpoint(output, {}), datetime.now(UTC))
        for project_id in emu.truth("events"):
            read_project_legacy(read, project_id)
        records = [m["record"]["data"] for m in output.messages if m["type"] == "RECORD"]
        for project_id, expected in emu.truth("events").items():
            got = [r["id"] for r in records if r["project_id"] == project_id]
            assert len(got) == len(set(got)), f"project {project_id}: duplicates"
            assert sorted(got) == sorted(expected), f"project {project_id}: {len(got)} / {len(expected)}"
        assert records
        assert all(r["timestamp"].endswith("+00:00") and len(r["timestamp"]) == 32 for r in records)
