"""Airbyte protocol messages: the only code that writes to stdout, one JSON message per line.

Records take a hand-built fast path (orjson, one buffered write) because they are 99.9% of the output;
every other message is rare and goes through `_emit`. STATE, LOG and TRACE flush the buffer, so
whatever a killed process left on stdout never has a STATE ahead of the records it covers.
"""

import time
from typing import Any, BinaryIO

import orjson

from source_posthog.errors import ConnectorError, FailureType
from source_posthog.redaction import redact
from source_posthog.sync.progress import StreamStatus


def now_ms() -> int:
    """Milliseconds since the epoch, the Airbyte `emitted_at` unit."""
    return int(time.time() * 1000)


class Output:
    """Writes Airbyte messages to a binary stream (stdout in production, BytesIO in tests)."""

    def __init__(self, stream: BinaryIO) -> None:
        self._stream = stream
        self._record_prefixes: dict[str, bytes] = {}

    def record(self, stream: str, data: dict[str, Any]) -> None:
        """Write one RECORD; `emitted_at` comes after `data` so the prefix can be cached per stream."""
        prefix = self._record_prefixes.get(stream)
        if prefix is None:
            prefix = b'{"type":"RECORD","record":{"stream":' + orjson.dumps(stream) + b',"data":'
            self._record_prefixes[stream] = prefix
        self._stream.write(b'%s%s,"emitted_at":%d}}\n' % (prefix, orjson.dumps(data), now_ms()))

    def state(self, stream: str, stream_state: dict[str, Any]) -> None:
        """Write a per-stream STATE (the form Airbyte and PyAirbyte require) and flush."""
        descriptor = {"stream_descriptor": {"name": stream}, "stream_state": stream_state}
        self._emit({"type": "STATE", "state": {"type": "STREAM", "stream": descriptor}})
        self.flush()

    def log(self, level: str, message: str) -> None:
        """Write a LOG message (secrets masked) and flush."""
        self._emit({"type": "LOG", "log": {"level": level, "message": redact(message)}})
        self.flush()

    def stream_status(self, stream: str, status: StreamStatus) -> None:
        """Write a STREAM_STATUS trace."""
        trace = {
            "type": "STREAM_STATUS",
            "emitted_at": now_ms(),
            "stream_status": {"stream_descriptor": {"name": stream}, "status": status},
        }
        self._emit({"type": "TRACE", "trace": trace})
        self.flush()

    def error_trace(
        self, message: str, failure_type: FailureType, internal_message: str | None = None, stream: str | None = None
    ) -> None:
        """Write an ERROR trace (secrets masked) and flush; a trace about one stream names it (`stream_descriptor`)."""
        error: dict[str, Any] = {"message": redact(message), "failure_type": failure_type}
        if internal_message:
            error["internal_message"] = redact(internal_message)
        if stream:
            error["stream_descriptor"] = {"name": stream}
        self._emit({"type": "TRACE", "trace": {"type": "ERROR", "emitted_at": now_ms(), "error": error}})
        self.flush()

    def stream_error(self, stream: str, error: ConnectorError) -> None:
        """A stream failed and the sync goes on: an ERROR trace naming the stream, as the Airbyte CDK emits it."""
        self.error_trace(error.message, error.failure_type, error.internal_message, stream)

    def spec(self, spec: dict[str, Any]) -> None:
        """Write the SPEC message."""
        self._emit({"type": "SPEC", "spec": spec})

    def catalog(self, catalog: dict[str, Any]) -> None:
        """Write the CATALOG message."""
        self._emit({"type": "CATALOG", "catalog": catalog})

    def connection_status(self, succeeded: bool, message: str | None = None) -> None:
        """Write a CONNECTION_STATUS message (secrets masked)."""
        status: dict[str, Any] = {"status": "SUCCEEDED" if succeeded else "FAILED"}
        if message:
            status["message"] = redact(message)
        self._emit({"type": "CONNECTION_STATUS", "connectionStatus": status})

    def flush(self) -> None:
        """Push buffered output to the OS."""
        self._stream.flush()

    def _emit(self, message: dict[str, Any]) -> None:
        self._stream.write(orjson.dumps(message) + b"\n")
