"""The Singer writer (singer/messages.py): SCHEMA/RECORD/STATE lines, bookmarks of other streams kept."""

import io
import json

from source_posthog.singer.messages import SingerOutput

EVENTS_STATE = {"101": {"timestamp": "2024-02-01T00:00:00.000000+00:00"}}


def test_given_writer_then_singer_messages_and_bookmarks_keep_other_streams() -> None:
    out, log = io.BytesIO(), io.StringIO()
    writer = SingerOutput(out, log, bookmarks={"session_recordings": {"101": {"start_time": "x"}}})
    writer.schema("events", {"type": "object"}, ["id"], "timestamp")
    writer.record("events", {"id": "a", "event": "$pageview"})
    writer.state("events", EVENTS_STATE)
    writer.log("WARN", "careful")
    writer.stream_status("events", "RUNNING")
    schema, record, state = [json.loads(line) for line in out.getvalue().splitlines()]
    assert schema == {
        "type": "SCHEMA",
        "stream": "events",
        "schema": {"type": "object"},
        "key_properties": ["id"],
        "bookmark_properties": ["timestamp"],
    }
    assert record["type"] == "RECORD"
    assert record["stream"] == "events"
    assert record["record"] == {"id": "a", "event": "$pageview"}
    assert record["time_extracted"].endswith("Z")
    assert state == {
        "type": "STATE",
        "value": {"bookmarks": {"session_recordings": {"101": {"start_time": "x"}}, "events": EVENTS_STATE}},
    }
    assert log.getvalue() == "WARNING careful\n"


def test_given_dropped_properties_then_records_lack_them() -> None:
    out = io.BytesIO()
    SingerOutput(out, io.StringIO(), dropped={"events": frozenset({"elements_chain"})}).record(
        "events", {"id": "a", "elements_chain": "x"}
    )
    assert json.loads(out.getvalue())["record"] == {"id": "a"}
