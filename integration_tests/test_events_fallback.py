"""Events on an instance without `/query/`: the CLI falls back to `/events/` and still delivers exactly once.

Every `/events/` quirk is on (1,000-row clamp, exclusive `after`, tie loss at page edges, offset
penalty), and the data holds a 2,500-event tie block: more than two pages at one timestamp.
"""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run, state_file_from
from integration_tests.test_events import EVENTS, assert_exactly_once, event_ids
from posthog_emulator import Emulator, EmulatorSettings, Quirks
from source_posthog.streams.events.legacy_split import UUID_CHARS

TIE = 2_500
# The data spans the 400 days before now; an earlier start_date only adds empty 30-day slices (one request each).
START = (datetime.now(UTC) - timedelta(days=402)).strftime("%Y-%m-%dT00:00:00Z")
FALLBACK_WARNING = "POST /query/ is not available on this PostHog instance (HTTP 404)"


@pytest.fixture
def old_instance() -> Iterator[Emulator]:
    """Two projects (+ the 0- and 1-event ones), 5,000 events, a 2,500-event tie block, no `/query/`."""
    quirks = Quirks(query_api_available=False)
    emu = Emulator(EmulatorSettings(seed=17, events=5_000, projects=2, tie_blocks=(TIE,), quirks=quirks)).start()
    yield emu
    emu.stop()


def events_requests(emu: Emulator) -> list[dict[str, Any]]:
    return [r for r in emu.requests if r["path"].rstrip("/").endswith("/events")]


def assert_fallback_read(run: Run, emu: Emulator) -> None:
    """Exit 0, the WARN, STATE, and `/events/` asked only oldest first, never with an offset."""
    assert run.returncode == 0, run.stderr
    warnings = [m["log"]["message"] for m in run.of_type("LOG") if m["log"]["level"] == "WARN"]
    assert sum(FALLBACK_WARNING in w for w in warnings) == 1, warnings
    assert run.last_state() is not None
    listed = events_requests(emu)
    assert listed
    assert all(r["status"] == 200 for r in listed)
    assert all(orjson.loads(r["query"]["orderBy"]) != ["-timestamp"] for r in listed)
    assert not [r for r in listed if int(r["query"].get("offset", "0")) > 0]
    queries = [r for r in emu.requests if "/query" in r["path"]]
    assert queries
    assert all(r["status"] == 404 for r in queries)


def test_given_no_query_api_and_every_quirk_when_read_then_exactly_once_through_events_list(
    old_instance: Emulator, tmp_path: Path
) -> None:
    (block,) = old_instance.tie_blocks(101, min_size=1_001)
    assert block[1] == TIE
    run = Workspace(tmp_path, old_instance).read(EVENTS, start_date=START)
    assert_fallback_read(run, old_instance)
    assert_exactly_once(event_ids(run), old_instance.truth("events"))
    assert len(run.records("events")) == sum(len(ids) for ids in old_instance.truth("events").values())
    listed = events_requests(old_instance)
    split = [r for r in listed if "properties" in r["query"]]
    assert 0 < len(split) <= 2 * len(UUID_CHARS), "the tie block is split in one round around its ids' prefix"
    assert len(listed) <= 120, f"{len(listed)} /events/ requests for 5,000 events"
    final = run.last_state()
    assert final is not None
    assert set(final["stream"]["stream_state"]) == {str(p) for p in old_instance.truth("events")}


def test_given_events_appended_after_a_fallback_read_when_read_again_then_new_and_tied_delivered(
    old_instance: Emulator, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, old_instance)
    first = workspace.read(EVENTS, start_date=START)
    assert_fallback_read(first, old_instance)
    first_state = first.last_state()
    assert first_state is not None
    cursor = datetime.fromisoformat(first_state["stream"]["stream_state"]["101"]["timestamp"])
    new = old_instance.append_events(101, [{"timestamp": datetime.now(UTC) - timedelta(seconds=1)}])
    at_cursor = old_instance.append_tie_block(101, cursor, 3)
    big_tie = old_instance.append_tie_block(102, cursor - timedelta(minutes=1), 1_200)  # > a page, at one instant
    old_instance.clear_requests()
    second = workspace.read(EVENTS, state=state_file_from(first, tmp_path), start_date=START)
    assert_fallback_read(second, old_instance)
    delivered = event_ids(second)
    assert set(new + at_cursor) <= set(delivered[101])
    assert set(big_tie) <= set(delivered[102])
    assert all(len(ids) == len(set(ids)) for ids in delivered.values())
    combined = {p: sorted(set(event_ids(first).get(p, []) + ids)) for p, ids in delivered.items()}
    for p, ids in event_ids(first).items():
        combined.setdefault(p, ids)
    assert_exactly_once(combined, old_instance.truth("events"))
