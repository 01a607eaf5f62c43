"""The sync loop (push) turned into a generator (pull) for one dlt resource.

The readers push: `read_streams` calls `writer.record(...)` and `writer.state(...)` until the stream is read. A dlt
resource is a generator that dlt pulls from. The simplest correct bridge that leaves the loop untouched: run the
loop for this one stream in a thread, whose writer puts batches of records and each STATE in order into a bounded
queue; the generator takes them out, yields each batch, and copies each STATE into the resource state only after
yielding the records it covers, exactly as an Airbyte platform commits a STATE after the records before it.

The bounded queue keeps memory flat: a reader runs ahead of dlt by at most `QUEUE_ITEMS` batches. While the queue is
empty the generator yields None, which dlt's pipe iterator treats as "nothing yet, try another resource": so dlt's
loop never blocks on one resource while another's thread waits, and the resources of one source can share a `turn`
lock that lets one stream read at a time (each read is paced to the configured share of PostHog's limits; several at
once would together exceed it). Closing the generator (dlt stops, an error elsewhere) stops the thread at its next
record.
"""

import queue
import threading
from collections.abc import Callable, Generator
from typing import Any

from source_posthog.errors import ConnectorError
from source_posthog.sync.progress import StreamStatus

BATCH_RECORDS = 1000
QUEUE_ITEMS = 4
POLL_SECONDS = 0.05
JOIN_SECONDS = 30.0

Item = tuple[str, Any]  # ("records", [..]) | ("state", {..}) | ("end", BaseException | None)


class Stopped(BaseException):
    """Raised inside the reading thread when the generator was closed: ends the read like an interrupt."""


class QueueWriter:
    """The sync loop's Writer for one stream: batches records, keeps STATE in order, logs through `log`."""

    def __init__(self, log: Callable[[str, str], None]) -> None:
        self.items: queue.Queue[Item] = queue.Queue(maxsize=QUEUE_ITEMS)
        self.stop = threading.Event()
        self._batch: list[dict[str, Any]] = []
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
        """Add a record to the current batch; a full batch goes to the queue."""
        self._batch.append(data)
        if len(self._batch) >= BATCH_RECORDS:
            self.flush()

    def flush(self) -> None:
        """Queue the records not yet queued."""
        if self._batch:
            batch, self._batch = self._batch, []
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
        """The error reaches the generator when the loop raises it at the end."""
        self._log("ERROR", f"{stream}: {error.message}")


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


def pull(
    read: Callable[[QueueWriter], None],
    save_state: Callable[[dict[str, Any]], None],
    log: Callable[[str, str], None],
    turn: threading.Lock,
) -> Generator[list[dict[str, Any]] | None]:
    """Yield the batches `read` writes, None while none is ready; save each STATE after its records."""
    writer = QueueWriter(log)
    thread = run_in_thread(read, writer, turn)
    try:
        while True:
            try:
                kind, payload = writer.items.get(timeout=POLL_SECONDS)
            except queue.Empty:
                yield None
                continue
            if kind == "records":
                yield payload
            elif kind == "state":
                save_state(payload)
            elif payload is not None:
                raise payload
            else:
                return
    finally:
        writer.stop.set()
        thread.join(timeout=JOIN_SECONDS)  # a read waiting on an HTTP answer stops after it; the thread is a daemon
