import io
import json
from typing import Any

from source_posthog.airbyte.messages import Output
from source_posthog.redaction import register_secret


class FlushCounter(io.BytesIO):
    flushes = 0

    def flush(self) -> None:
        self.flushes += 1


def lines(buffer: io.BytesIO) -> list[dict[str, Any]]:
    return [json.loads(line) for line in buffer.getvalue().splitlines()]


class TestOutput:
    def test_record_is_one_airbyte_record_line(self) -> None:
        buffer = io.BytesIO()
        Output(buffer).record("events", {"id": "a", "properties": {"$browser": "Chrome"}})
        (message,) = lines(buffer)
        assert message["type"] == "RECORD"
        assert message["record"]["stream"] == "events"
        assert message["record"]["data"] == {"id": "a", "properties": {"$browser": "Chrome"}}
        assert isinstance(message["record"]["emitted_at"], int)

    def test_state_is_per_stream_and_flushes(self) -> None:
        buffer = FlushCounter()
        Output(buffer).state("events", {"1": {"timestamp": "t"}})
        (message,) = lines(buffer)
        assert message == {
            "type": "STATE",
            "state": {
                "type": "STREAM",
                "stream": {"stream_descriptor": {"name": "events"}, "stream_state": {"1": {"timestamp": "t"}}},
            },
        }
        assert buffer.flushes == 1

    def test_log_trace_and_status_mask_secrets(self) -> None:
        register_secret("phx_maskMeInOutput999")
        buffer = io.BytesIO()
        output = Output(buffer)
        output.log("INFO", "key phx_maskMeInOutput999")
        output.error_trace("bad phx_maskMeInOutput999", "config_error", "internal phx_maskMeInOutput999")
        output.connection_status(False, "no phx_maskMeInOutput999")
        assert b"phx_maskMeInOutput999" not in buffer.getvalue()
        trace = lines(buffer)[1]["trace"]
        assert trace["type"] == "ERROR"
        assert trace["error"]["failure_type"] == "config_error"

    def test_stream_status_trace_shape(self) -> None:
        buffer = io.BytesIO()
        Output(buffer).stream_status("cohorts", "COMPLETE")
        (message,) = lines(buffer)
        status = message["trace"]["stream_status"]
        assert status == {"stream_descriptor": {"name": "cohorts"}, "status": "COMPLETE"}
