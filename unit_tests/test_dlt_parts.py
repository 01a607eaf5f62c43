"""The dlt front end's own parts: column hints from the schemas, and the thread-to-generator feed."""

import subprocess
import sys
import threading
from typing import Any

import pytest

pytest.importorskip("dlt", reason="dlt is not installed: pip install 'source-posthog[dlt]'")

from source_posthog.config.file import parse_config
from source_posthog.dlt.columns import column_hints
from source_posthog.dlt.feed import BATCH_RECORDS, Feed, QueueWriter, pull
from source_posthog.dlt.queue_writer import QUEUE_ITEMS, queue_batch_bytes
from source_posthog.errors import TransientError
from source_posthog.streams.query.budget import PageBudget
from source_posthog.streams.schemas import load_schema


def test_given_events_schema_when_hints_derived_then_objects_json_and_timestamps_typed() -> None:
    hints = column_hints(load_schema("events"), ("id",))
    assert hints["properties"]["data_type"] == hints["person"]["data_type"] == hints["elements"]["data_type"] == "json"
    assert hints["timestamp"]["data_type"] == "timestamp"
    assert hints["id"] == {"data_type": "text", "nullable": False}
    assert hints["distinct_id"]["nullable"] is True


def drain(feed: Any) -> list[dict[str, Any]]:
    return [record for batch in feed for record in batch or []]


def test_given_records_and_states_when_pulled_then_state_saved_after_the_records_it_covers() -> None:
    seen: list[int] = []
    saved: list[tuple[int, dict[str, Any]]] = []

    def read(writer: QueueWriter) -> None:
        for i in range(BATCH_RECORDS + 5):
            writer.record("s", {"id": i})
        writer.state("s", {"cursor": BATCH_RECORDS + 4})
        writer.record("s", {"id": -1})

    for batch in pull(read, lambda state: saved.append((len(seen), state)), lambda *_: None, threading.Lock()):
        seen.extend(record["id"] for record in batch or [])
    assert seen == [*range(BATCH_RECORDS + 5), -1]
    assert saved == [(BATCH_RECORDS + 5, {"cursor": BATCH_RECORDS + 4})]


def test_given_reader_fails_when_pulled_then_error_raised_in_the_generator() -> None:
    def read(writer: QueueWriter) -> None:
        writer.record("s", {"id": 1})
        raise TransientError("PostHog is down")

    with pytest.raises(TransientError, match="down"):
        drain(pull(read, lambda _: None, lambda *_: None, threading.Lock()))


def test_given_generator_closed_early_when_reader_still_writing_then_thread_stops() -> None:
    started = threading.Event()
    threads: list[threading.Thread] = []

    def read(writer: QueueWriter) -> None:
        threads.append(threading.current_thread())
        started.set()
        while True:
            writer.record("s", {"id": 1})

    feed = pull(read, lambda _: None, lambda *_: None, threading.Lock())
    next(feed)
    started.wait(5)
    feed.close()
    threads[0].join(5)
    assert not threads[0].is_alive()


def three_checkpoints(writer: QueueWriter) -> None:
    """Three pages of two records, a STATE after each."""
    for page in range(3):
        writer.record("s", {"id": 2 * page})
        writer.record("s", {"id": 2 * page + 1})
        writer.state("s", {"page": page})


def test_given_segment_records_when_pulled_per_run_then_runs_end_at_checkpoints_and_the_next_goes_on() -> None:
    feed = Feed(lambda *_: None, threading.Lock())
    feed.segment_records = 3
    saved: list[dict[str, Any]] = []
    runs: list[list[dict[str, Any]]] = []
    while not runs or feed.paused:
        runs.append(drain(feed.items(three_checkpoints, saved.append)))
    assert [[r["id"] for r in run] for run in runs] == [[0, 1, 2, 3], [4, 5]]  # the first STATE after 3 records
    assert saved == [{"page": 0}, {"page": 1}, {"page": 2}]


def test_given_keep_going_when_stream_fails_then_items_end_and_failure_kept() -> None:
    def read(writer: QueueWriter) -> None:
        writer.record("s", {"id": 1})
        writer.state("s", {"page": 0})
        error = TransientError("PostHog is down")
        writer.stream_error("s", error)
        raise error  # sync/run.py ends the read with its summary error after reporting the stream's own

    feed = Feed(lambda *_: None, threading.Lock(), keep_going=True)
    saved: list[dict[str, Any]] = []
    assert drain(feed.items(read, saved.append)) == [{"id": 1}]
    assert saved == [{"page": 0}]
    assert feed.failure is not None
    assert feed.failure.message == "PostHog is down"


def test_given_dlt_missing_when_command_run_then_one_error_line_saying_how_to_install() -> None:
    code = (
        "import sys; sys.modules['dlt'] = None  # as if not installed\n"
        "from source_posthog.dlt.cli import main; sys.exit(main(['--config', 'x']))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 1
    assert done.stderr == "ERROR dlt is not installed (dlt): pip install 'source-posthog[dlt]'\n"


def test_given_heavy_records_when_queued_then_batches_end_at_their_byte_share_and_keep_every_record() -> None:
    writer = QueueWriter(lambda *_: None, batch_bytes=10_000)
    heavy = [{"id": i, "blob": "x" * 3_000} for i in range(10)]  # ~3 KB each: a batch ends at its 4th record

    for record in heavy:
        writer.record("s", record)
    writer.flush()

    batches = [writer.items.get_nowait()[1] for _ in range(writer.items.qsize())]
    assert [len(batch) for batch in batches] == [4, 4, 2]
    assert [record for batch in batches for record in batch] == heavy


def test_given_the_default_budget_when_batches_sized_then_the_queue_holds_about_one_page_share() -> None:
    config = parse_config({"api_key": "phx_x", "start_date": "2024-01-01T00:00:00Z"})
    page_bytes = PageBudget(config.max_memory_mb, config.max_concurrent_queries).page_bytes
    batch_bytes = queue_batch_bytes(config)

    assert page_bytes is not None
    assert batch_bytes is not None
    assert batch_bytes * (QUEUE_ITEMS + 1) == pytest.approx(page_bytes)
    assert batch_bytes < BATCH_RECORDS * 150_000 / 10  # far below 1,000 LLM events of 150 KB
