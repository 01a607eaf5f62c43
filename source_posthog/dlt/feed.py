"""One stream's read fed to dlt as the items of its resource, in one dlt run or across several.

The read runs in a thread whose `QueueWriter` (queue_writer.py) queues record batches and each STATE in order. The
resource's generator takes them out, yields each batch, and copies each STATE into the resource state only after
yielding the records it covers, exactly as an Airbyte platform commits a STATE after the records before it. While
the queue is empty it yields None, which dlt's pipe iterator treats as "nothing yet, try another resource": so dlt's
loop never blocks on one resource while another's thread waits, and the resources of one source can share a `turn`
lock that lets one stream read at a time (each read is paced to the configured share of PostHog's limits).

Checkpoints (runs.py). dlt commits a resource's state together with the data of the run that set it: the state goes
into the run's load package at the end of extract and reaches the destination with the load (dlt docs, "Advanced
state management": the state "gets committed atomically with the data"; dlt 1.31 `common/storages/load_package.py`,
`pipeline_state` "added at the end of the extraction phase"). So with `segment_records` set, the generator ends at
the first STATE after that many records: its run loads and commits that checkpoint, while the read stays alive,
paused on its bounded queue, and the next run of the same resource goes on from the next item. A kill then
re-reads only what came after the last committed checkpoint, not the whole interrupted read.

A stream's own failure (reported by the loop through `stream_error`): with `keep_going`, the resource ends, the
records and STATE before the failure are loaded, and the failure is kept for runs.py to report after the other
streams; otherwise it is raised and fails the dlt run, as dlt does with any resource's error.
"""

import queue
import threading
from collections.abc import Callable, Generator
from dataclasses import dataclass
from typing import Any

from source_posthog.dlt.queue_writer import BATCH_RECORDS, POLL_SECONDS, QueueWriter, run_in_thread
from source_posthog.errors import ConnectorError

__all__ = ["BATCH_RECORDS", "Feed", "QueueWriter", "pull"]

JOIN_SECONDS = 30.0

Read = Callable[[QueueWriter], None]
Batches = Generator[list[dict[str, Any]] | None]


@dataclass
class Live:
    """A read in progress: its writer (and queue) and its thread."""

    writer: QueueWriter
    thread: threading.Thread


class Feed:
    """One stream's read for dlt, kept alive between the runs that load it checkpoint by checkpoint."""

    def __init__(
        self,
        log: Callable[[str, str], None],
        turn: threading.Lock,
        keep_going: bool = False,
        batch_bytes: float | None = None,
    ) -> None:
        self.keep_going = keep_going
        self.batch_bytes = batch_bytes
        """A queued batch's most bytes of records (queue_writer.py `queue_batch_bytes`); None: records only."""
        self.segment_records: int | None = None
        """End a run's items at the first STATE after this many records (None: at the end of the read)."""
        self.paused = False
        """The last run ended at a checkpoint; the read goes on in the next run."""
        self.failure: ConnectorError | None = None
        """The stream's failure, when `keep_going` ended its resource on it."""
        self.row_bytes = 0.0
        """The most bytes per record of a batch so far (buffer.py sizes dlt's item buffer by it)."""
        self._log, self._turn = log, turn
        self._live: Live | None = None

    def items(self, read: Read, save_state: Callable[[dict[str, Any]], None]) -> Batches:
        """This run's batches (None while none is ready): from the paused read, or else from a new `read`."""
        live = self._live or self._start(read)
        self.paused, taken = False, 0
        try:
            while True:
                try:
                    kind, payload = live.writer.items.get(timeout=POLL_SECONDS)
                except queue.Empty:
                    yield None
                    continue
                if kind == "records":
                    taken += len(payload)
                    self.row_bytes = live.writer.row_bytes
                    yield payload
                elif kind == "state":
                    save_state(payload)
                    self.paused = self.segment_records is not None and taken >= self.segment_records
                    if self.paused:
                        return
                else:
                    self._end(live.writer, payload)
                    return
        finally:
            if not self.paused:
                self.close()

    def close(self) -> None:
        """Stop the read, if one is alive (a read waiting on an HTTP answer stops after it; it is a daemon)."""
        live, self._live, self.paused = self._live, None, False
        if live is not None:
            live.writer.stop.set()
            live.thread.join(timeout=JOIN_SECONDS)

    def _start(self, read: Read) -> Live:
        writer = QueueWriter(self._log, self.batch_bytes)
        self._live, self.failure = Live(writer, run_in_thread(read, writer, self._turn)), None
        return self._live

    def _end(self, writer: QueueWriter, error: BaseException | None) -> None:
        """The read is over: done, a failure of this stream to keep, or an error to raise."""
        if error is None:
            return
        if self.keep_going and writer.failure is not None:
            self.failure = writer.failure
            return
        raise error


def pull(
    read: Read, save_state: Callable[[dict[str, Any]], None], log: Callable[[str, str], None], turn: threading.Lock
) -> Batches:
    """One whole read as one generator (no checkpoints, errors raised): a feed used once."""
    yield from Feed(log, turn).items(read, save_state)
