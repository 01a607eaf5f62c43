"""dlt's item buffer bounded by the memory budget (source_posthog/dlt/buffer.py)."""

import threading

import pytest

dlt = pytest.importorskip("dlt", reason="dlt is not installed: pip install 'source-posthog[dlt]'")

from source_posthog.dlt.buffer import (  # noqa: E402
    DLT_DEFAULT_ITEMS,
    FILE_KEY,
    KEY,
    bounded_buffer,
    buffer_items,
    run_shares,
)
from source_posthog.dlt.feed import Feed  # noqa: E402
from source_posthog.dlt.queue_writer import QUEUE_ITEMS  # noqa: E402
from source_posthog.streams.query.budget import FIRST_ROW_BYTES  # noqa: E402

BATCH_BYTES = 4_000_000.0  # about the default budget's share: 20 MB for the queue, 20 MB for dlt's buffer


def feed(row_bytes: float = 0.0, batch_bytes: float | None = BATCH_BYTES) -> Feed:
    made = Feed(lambda *_: None, threading.Lock(), batch_bytes=batch_bytes)
    made.row_bytes = row_bytes
    return made


def test_given_row_weights_when_buffer_sized_then_one_page_share_at_most_and_dlt_default_for_light_rows() -> None:
    assert buffer_items(20_000_000, 150_000) == 133  # 150 KB LLM events: 133 of them, not 5,000 (750 MB)
    assert buffer_items(20_000_000, 1_000) == DLT_DEFAULT_ITEMS  # light events: dlt's own default
    assert buffer_items(100_000, 10_000_000) == 1  # a row above the share still goes through, alone


def test_given_no_row_weighed_yet_when_a_run_is_sized_then_a_fat_first_row_assumed() -> None:
    share = BATCH_BYTES * (QUEUE_ITEMS + 1)
    assert run_shares([feed()]) == (share, FIRST_ROW_BYTES)
    assert run_shares([feed(150_000), feed(500)]) == (share, 150_000)  # the heaviest feed of the run
    assert buffer_items(*(run_shares([feed(150_000)]) or (0, 1))) == int(share / 150_000)
    assert run_shares([feed(batch_bytes=None)]) is None  # no budget: dlt's default


def test_given_a_run_when_bounded_then_buffer_and_file_size_set_for_the_run_only() -> None:
    assert dlt.config.get(KEY) is None
    with bounded_buffer([feed(150_000)]):
        assert dlt.config.get(KEY) == int(BATCH_BYTES * (QUEUE_ITEMS + 1) / 150_000)
        assert dlt.config.get(FILE_KEY) == int(BATCH_BYTES * (QUEUE_ITEMS + 1))  # DuckDB copies one file at a time
    assert dlt.config.get(KEY) is None
    assert dlt.config.get(FILE_KEY) is None


def test_given_the_user_set_the_buffer_when_bounded_then_left_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATA_WRITER__BUFFER_MAX_ITEMS", "777")
    with bounded_buffer([feed(150_000)]):
        assert dlt.config.get(KEY, int) == 777
        assert dlt.config.get(FILE_KEY) == int(BATCH_BYTES * (QUEUE_ITEMS + 1))
