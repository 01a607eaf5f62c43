"""Singer state (singer/state.py): bookmarks parsed, and converted from and to Airbyte state."""

import json
from pathlib import Path
from typing import Any

import pytest

from source_posthog.errors import ConfigError
from source_posthog.singer import state as singer_state

EVENTS_STATE = {"101": {"timestamp": "2024-02-01T00:00:00.000000+00:00"}}


@pytest.mark.parametrize(
    "raw",
    [
        {"bookmarks": {"events": EVENTS_STATE}},
        {"type": "STATE", "value": {"bookmarks": {"events": EVENTS_STATE}}},
    ],
)
def test_given_singer_state_then_stream_states(raw: Any) -> None:
    assert singer_state.parse_state(raw) == {"events": EVENTS_STATE}


@pytest.mark.parametrize("raw", [{}, {"bookmarks": {}}])
def test_given_empty_singer_state_then_empty(raw: Any) -> None:
    assert singer_state.parse_state(raw) == {}


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"bookmarks": {"events": 5}}, "bookmarks"),
        ({"bookmarks": {"events": {"101": {"timestamp": "yesterday"}}}}, None),
        # every incremental stream, not only events
        ({"bookmarks": {"sessions": {"101": {"start_timestamp": "yesterday"}}}}, "sessions"),
    ],
)
def test_given_bad_singer_state_then_config_error(raw: Any, message: str | None) -> None:
    with pytest.raises(ConfigError, match=message):
        singer_state.parse_state(raw)


def test_given_airbyte_state_then_converted_to_bookmarks(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    airbyte = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "events"}, "stream_state": EVENTS_STATE}}]
    path = tmp_path / "state.json"
    path.write_text(json.dumps(airbyte))
    assert singer_state.main(["from-airbyte", str(path)]) == 0
    converted = json.loads(capsys.readouterr().out)
    assert converted == {"bookmarks": {"events": EVENTS_STATE}}
    assert singer_state.parse_state(converted) == {"events": EVENTS_STATE}  # the round trip
    legacy = [{"type": "LEGACY", "data": {"events": EVENTS_STATE}}]
    assert singer_state.from_airbyte(legacy) == converted
    assert singer_state.main(["from-airbyte", "--meltano", str(path)]) == 0
    assert json.loads(capsys.readouterr().out) == {"singer_state": converted}
    assert singer_state.main(["to-airbyte", str(path)]) == 2
