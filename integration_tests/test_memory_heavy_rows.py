"""A row heavier than a page's share of `max_memory_mb` is alone in its page the first time (issue 23).

Three 6 MB events among 2,000 light ones, under a 64 MB budget (a page's share is about 1.8 MB): the answer
that first meets a heavy event is abandoned unread past that share, the rows before it come as a page of their
own, and the heavy event then comes alone (`LIMIT 1`). So no page written holds a heavy event beside another
row, every event arrives once, one WARN counts the three, and a read resumed before one of them delivers
exactly the rest. Persons of 1 MB each (bounded pages, query/bounded.py), over a page's size, come one per page.
"""

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run
from integration_tests.test_memory_budget import LIMIT, ids, measured_read, state_before
from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.config.weights import Weights

HEAVY_BYTES = 6_000_000
HEAVY_DAYS_AGO = (120, 70, 20)


def pages(run: Run) -> list[list[str]]:
    """The events ids of each page as written: the records between two STATE messages."""
    written: list[list[str]] = [[]]
    for message in run.messages:
        if message["type"] == "STATE":
            written.append([])
        elif message["type"] == "RECORD" and message["record"]["stream"] == "events":
            written[-1].append(message["record"]["data"]["id"])
    return [page for page in written if page]


def event_limits(emu: Emulator) -> list[int]:
    """The LIMIT of every events page query, in the order the emulator received them."""
    sql = [entry["body"]["query"]["query"] for entry in emu.requests if entry["path"].endswith("/query/")]
    return [int(match.group(1)) for text in sql if "ORDER BY timestamp" in text and (match := LIMIT.search(text))]


def heavy_emulator() -> tuple[Emulator, list[str]]:
    emu = Emulator(EmulatorSettings(seed=31, events=2_000, projects=1, edge_projects=False)).start()
    now = datetime.now(UTC)
    heavy: list[dict[str, Any]] = [
        {"timestamp": now - timedelta(days=days), "properties": {"$ai_input": "y" * HEAVY_BYTES}}
        for days in HEAVY_DAYS_AGO
    ]
    return emu, emu.append_events(101, heavy)


def test_given_heavy_events_when_read_then_each_is_alone_in_its_first_page_and_arrives_once(tmp_path: Path) -> None:
    emu, heavy = heavy_emulator()
    try:
        emu.clear_requests()
        run, _ = measured_read(emu, tmp_path)
        truth = sorted(emu.truth("events")[101])

        assert run.returncode == 0, run.errors
        assert len(ids(run)) == len(set(ids(run))) == len(truth)
        assert sorted(ids(run)) == truth
        for page in pages(run):
            assert not (set(heavy) & set(page)) or len(page) == 1, f"a heavy event shares a page of {len(page)}"
        assert event_limits(emu).count(1) >= len(heavy)  # each asked alone, with no extra row
        warnings = [log for log in run.logs if "larger than a page's share of max_memory_mb" in log]
        assert len(warnings) == 1, run.logs
        assert warnings[0].startswith(f"{len(heavy)} events row(s)")
        assert "alone in its page" in warnings[0]

        checkpoint, rest = state_before(run, heavy[1])
        resumed, _ = measured_read(emu, tmp_path, state=[checkpoint])
        assert resumed.returncode == 0, resumed.errors
        assert ids(resumed) == rest  # exactly after the checkpoint: the heavy event once, nothing before it again
        assert rest[0] == heavy[1]
    finally:
        emu.stop()


def test_given_persons_each_heavier_than_a_page_when_read_then_each_comes_alone_and_once(tmp_path: Path) -> None:
    # ~1 MB of properties each (the emulator's padding is at most its 1 MB text); with 10 queries in flight, a page's
    # share of 64 MB is 0.75 MB and the most a page may be 0.94 MB
    weights = Weights(person_kb=1024)
    settings = EmulatorSettings(
        seed=32, events=200, projects=1, edge_projects=False, persons_per_project=12, weights=weights
    )
    emu = Emulator(settings).start()
    try:
        emu.clear_requests()
        run = Workspace(tmp_path, emu).read(("persons",), max_memory_mb=64, max_concurrent_queries=10)
        truth = [str(person_id) for person_id in emu.truth("persons", unique=True)]

        assert run.returncode == 0, run.stderr
        got = [str(record["id"]) for record in run.records("persons")]
        assert sorted(got) == sorted(truth)
        assert len(got) == len(set(got))
        sql = [entry["body"]["query"]["query"] for entry in emu.requests if entry["path"].endswith("/query/")]
        # persons pages aggregate `raw_persons` themselves (streams/tables/raw_pages.py)
        pages = [text for text in sql if "FROM raw_persons WHERE" in text and "GROUP BY id" in text]
        answered_alone = [text for text in pages if (match := LIMIT.search(text)) and match.group(1) == "1"]
        assert len(answered_alone) >= len(truth)  # each person asked alone (LIMIT 1, no extra row)
        warnings = [log for log in run.logs if "larger than a page's share of max_memory_mb" in log]
        assert len(warnings) == 1, run.logs
        assert warnings[0].startswith(f"{len(truth)} persons row(s)")
    finally:
        emu.stop()
