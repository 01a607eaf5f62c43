"""Singer messages: the only code that writes to the tap's stdout (SCHEMA, RECORD, STATE), and its stderr logs.

Each STATE carries the whole bookmarks object, the previous run's bookmarks included, so a target or Meltano that
keeps only the last STATE loses nothing. STATE flushes, so a killed tap never left a STATE ahead of its records.
"""

from datetime import UTC, datetime
from typing import Any, BinaryIO, TextIO

import orjson

from source_posthog.errors import ConnectorError
from source_posthog.redaction import redact
from source_posthog.sync.progress import StreamStatus


def now_iso() -> str:
    """The extraction time of a record, ISO 8601 UTC."""
    return datetime.now(UTC).isoformat().replace("+00:00", "Z")


class SingerOutput:
    """Writes Singer messages to a binary stream and log lines to a text stream (stderr)."""

    def __init__(
        self,
        stream: BinaryIO,
        log_stream: TextIO,
        bookmarks: dict[str, Any] | None = None,
        dropped: dict[str, frozenset[str]] | None = None,
    ) -> None:
        self._stream = stream
        self._log_stream = log_stream
        self._bookmarks = dict(bookmarks or {})
        self._dropped = dropped or {}
        """Per stream, the properties the catalog deselected: removed from every record."""
        self._record_prefixes: dict[str, bytes] = {}

    def schema(
        self, stream: str, schema: dict[str, Any], key_properties: list[str], replication_key: str | None
    ) -> None:
        """Write a SCHEMA message (before the stream's first record)."""
        message: dict[str, Any] = {
            "type": "SCHEMA",
            "stream": stream,
            "schema": schema,
            "key_properties": key_properties,
        }
        if replication_key:
            message["bookmark_properties"] = [replication_key]
        self._emit(message)

    def record(self, stream: str, data: dict[str, Any]) -> None:
        """Write one RECORD with its `time_extracted`."""
        prefix = self._record_prefixes.get(stream)
        if prefix is None:
            prefix = b'{"type":"RECORD","stream":' + orjson.dumps(stream) + b',"record":'
            self._record_prefixes[stream] = prefix
        dropped = self._dropped.get(stream)
        if dropped:
            data = {key: value for key, value in data.items() if key not in dropped}
        self._stream.write(b'%s%s,"time_extracted":"%s"}\n' % (prefix, orjson.dumps(data), now_iso().encode()))

    def state(self, stream: str, stream_state: dict[str, Any]) -> None:
        """Write STATE: every stream's bookmark, this stream's updated, and flush."""
        self._bookmarks[stream] = stream_state
        self._emit({"type": "STATE", "value": {"bookmarks": self._bookmarks}})
        self.flush()

    def final_state(self) -> None:
        """Write the whole bookmarks once more, as the run's last message.

        Targets such as target-jsonl pass on only a STATE that no RECORD follows, and full-table streams (persons)
        are read after events.
        """
        self._emit({"type": "STATE", "value": {"bookmarks": self._bookmarks}})
        self.flush()

    def log(self, level: str, message: str) -> None:
        """Write one log line to stderr (secrets masked), in Singer's `LEVEL message` form."""
        level = {"WARN": "WARNING", "FATAL": "CRITICAL"}.get(level, level)
        self._log_stream.write(f"{level} {redact(message)}\n")
        self._log_stream.flush()

    def stream_status(self, stream: str, status: StreamStatus) -> None:
        """Singer has no stream status message: a line on stderr when a stream starts or stops incomplete."""
        if status in ("STARTED", "INCOMPLETE"):
            self.log("INFO", f"Stream {stream}: {status.lower()}.")

    def stream_error(self, stream: str, error: ConnectorError) -> None:
        """A stream failed and the sync goes on: an ERROR line on stderr naming it (the details at DEBUG)."""
        self.log("ERROR", f"Stream {stream} failed ({error.failure_type}): {error.message}")
        if error.internal_message:
            self.log("DEBUG", error.internal_message)

    def flush(self) -> None:
        """Push buffered output to the OS."""
        self._stream.flush()

    def _emit(self, message: dict[str, Any]) -> None:
        self._stream.write(orjson.dumps(message) + b"\n")
