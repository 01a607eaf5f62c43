"""The sync loop's writer for one dlt resource: records in batches and each STATE, in order, on a bounded queue.

The readers push (`read_streams` calls `writer.record(...)` and `writer.state(...)`); a dlt resource is a generator
that dlt pulls from. The loop runs for one stream in a thread whose writer is a `QueueWriter`; feed.py takes the
items out on dlt's side. The bounded queue keeps memory flat: a reader runs ahead of dlt by at most `QUEUE_ITEMS`
batches. A batch ends at BATCH_RECORDS records or at `batch_bytes` of serialized records, whichever comes first:
at 150 KB an LLM event, 1,000 records would be 150 MB a batch. `batch_bytes` (`queue_batch_bytes`) lets the whole
queue hold about one page's share of `max_memory_mb` (query/budget.py): the share the budget keeps for the page
being written. A record is weighed by the length of its JSON (orjson: ~3 us for a 3 KB event, against the
milliseconds dlt spends per batch). The heaviest batch's bytes per record (`row_bytes`) tell runs.py how many
items dlt's own writer buffer may hold within the same budget. A stream's own failure is kept (`failure`) so the
feed can tell it from an error that ends the whole load.
"""

import queue
import threading
from collections.abc import Callable
from typing import Any

import orjson

from source_posthog.config.model import Config
from source_posthog.errors import ConnectorError
from source_posthog.streams.query.budget import PageBudget
from source_posthog.sync.progress import StreamStatus

BATCH_RECORDS = 1000
QUEUE_ITEMS = 4
POLL_SECONDS = 0.05

Item = tuple[str, Any]  # ("records", [..]) | ("state", {..}) | ("end", BaseException | None)


class Stopped(BaseException):
    """Raised inside the reading thread when the feed was closed: ends the read like an interrupt."""


class QueueWriter:
    """The sync loop's Writer for one stream: batches records, keeps STATE in order, logs through `log`."""

    def __init__(self, log: Callable[[str, str], None], batch_bytes: float | None = None) -> None:
        self.items: queue.Queue[Item] = queue.Queue(maxsize=QUEUE_ITEMS)
        self.stop = threading.Event()
        self.failure: ConnectorError | None = None
        """The stream's own error (sync/run.py reports it before ending the read with its summary error)."""
        self._batch: list[dict[str, Any]] = []
        self._batch_bytes, self._bytes = batch_bytes, 0
        self.row_bytes = 0.0
        """The most bytes per record of a batch so far (0: none weighed yet, or no budget)."""
        self._log = log

    def put(self, item: Item) -> None:
        """Queue an item, waiting for room; give up as soon as the reader is told to stop."""
        while not self.stop.is_set():
            try:
                self.items.put(item, timeout=POLL_SECONDS)
                return
            except queue.Full:
                continue
        raise Stopped

    def record(self, stream: str, data: dict[str, Any]) -> None:
        """Add a record to the current batch; a full batch (in records or in bytes) goes to the queue."""
        self._batch.append(data)
        if self._batch_bytes is not None:
            self._bytes += len(orjson.dumps(data, default=str))
        if len(self._batch) >= BATCH_RECORDS or (self._batch_bytes is not None and self._bytes >= self._batch_bytes):
            self.flush()

    def flush(self) -> None:
        """Queue the records not yet queued."""
        if self._batch:
            self.row_bytes = max(self.row_bytes, self._bytes / len(self._batch))
            batch, self._batch, self._bytes = self._batch, [], 0
            self.put(("records", batch))

    def state(self, stream: str, stream_state: dict[str, Any]) -> None:
        """Queue the stream's whole state after every record it covers."""
        self.flush()
        self.put(("state", stream_state))

    def log(self, level: str, message: str) -> None:
        """Pass a log line on (messages from the loop are already free of secrets)."""
        self._log(level, message)

    def stream_status(self, stream: str, status: StreamStatus) -> None:
        """Status is part of the progress log lines; nothing else to do."""
        if status in ("STARTED", "COMPLETE", "INCOMPLETE"):
            self._log("INFO", f"{stream}: {status}")

    def stream_error(self, stream: str, error: ConnectorError) -> None:
        """The stream failed: keep its error for the feed, which decides whether the load goes on."""
        self.failure = error
        self._log("ERROR", f"{stream}: {error.message}")


def queue_batch_bytes(config: Config) -> float | None:
    """The bytes of records one batch may hold: the queue's batches together about one page's share of the budget."""
    page_bytes = PageBudget(config.max_memory_mb, config.max_concurrent_queries).page_bytes
    return None if page_bytes is None else page_bytes / (QUEUE_ITEMS + 1)  # the queued batches and the one filling


def run_in_thread(read: Callable[[QueueWriter], None], writer: QueueWriter, turn: threading.Lock) -> threading.Thread:
    """Start `read(writer)` in a daemon thread (after taking `turn`); its end or error is the queue's last item."""

    def target() -> None:
        outcome: BaseException | None = None
        with turn:
            try:
                if not writer.stop.is_set():
                    read(writer)
                    writer.flush()
            except BaseException as error:  # handed to the generator, which raises it in dlt's thread
                outcome = error
        if not isinstance(outcome, Stopped):
            try:
                writer.put(("end", outcome))
            except Stopped:
                return

    thread = threading.Thread(target=target, name="source-posthog-read", daemon=True)
    thread.start()
    return thread
