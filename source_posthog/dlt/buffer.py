"""dlt's own item buffer bounded by the memory budget (issue 23's `max_memory_mb`).

dlt's data writers (extract's and normalize's) keep up to `data_writer.buffer_max_items` items per table in memory
before writing them to a file (dlt 1.31 `common/data_writers/buffered.py`, `BufferedDataWriter`, default 5,000;
key documented on dlt's "Performance" page, "Controlling in-memory buffers"). At 5,000 items of 150 KB LLM events
that is 750 MB, whatever the queue before it holds. So each run sets the buffer to the items that fit one page's
share of the budget (the same bytes the feed's queue may hold, queue_writer.py), at the heaviest bytes per record
any of the run's feeds has seen so far (FIRST_ROW_BYTES, the budget's guess for a fat event, before any is seen).
Light events keep dlt's 5,000. The files dlt writes are cut at the same share (`data_writer.file_max_bytes`, same
page): DuckDB loads each file with one COPY, and one file of a run of 1,000 LLM events (150 MB) made DuckDB run out
of its 256 MB (measured: 20k events with 5% at 150 KB in one run). A value the user configured for either key is
left alone, and environment variables outrank what `dlt.config.values` sets (dlt's provider order), so theirs win.
"""

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext

import dlt

from source_posthog.dlt.feed import Feed
from source_posthog.dlt.queue_writer import QUEUE_ITEMS
from source_posthog.streams.query.budget import FIRST_ROW_BYTES

KEY = "data_writer.buffer_max_items"
FILE_KEY = "data_writer.file_max_bytes"
DLT_DEFAULT_ITEMS = 5000


def buffer_items(share_bytes: float, row_bytes: float) -> int:
    """Items of `row_bytes` that fit `share_bytes`: at least 1, at most dlt's default."""
    return max(1, min(DLT_DEFAULT_ITEMS, int(share_bytes / max(row_bytes, 1.0))))


def run_shares(feeds: Iterable[Feed]) -> tuple[float, float] | None:
    """(bytes of one page's share, heaviest bytes per record) of a run of these feeds; None: no budget."""
    sized = [feed for feed in feeds if feed.batch_bytes is not None]
    if not sized:
        return None
    share = min(float(feed.batch_bytes or 0) for feed in sized) * (QUEUE_ITEMS + 1)
    return share, max(feed.row_bytes or FIRST_ROW_BYTES for feed in sized)


def bounded_buffer(feeds: Iterable[Feed]) -> AbstractContextManager[None]:
    """Set dlt's writer buffer and file size for the duration of one run, unless the user set them."""
    feeds = list(feeds)
    shares = run_shares(feeds)
    if shares is None:
        return nullcontext()
    wanted = {KEY: buffer_items(*shares), FILE_KEY: int(shares[0])}
    return dlt.config.values({key: value for key, value in wanted.items() if dlt.config.get(key) is None})
