"""The per-project cursor state every incremental reader but events keeps: `{"<project_id>": {"<field>": T}}`."""

from datetime import UTC, datetime
from typing import Any

import pytest

from source_posthog.errors import ConfigError
from source_posthog.streams.cursor_state import dated_state, parse_dated_state
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME

INCREMENTAL = [stream for stream in STREAMS if stream.cursor_field and stream.name != "events"]


@pytest.mark.parametrize("stream", INCREMENTAL, ids=lambda stream: stream.name)
def test_given_cursors_when_written_and_parsed_then_the_same_cursors(stream: Any) -> None:
    cursors = {2: datetime(2026, 5, 1, 12, tzinfo=UTC), 1: datetime(2026, 4, 30, 8, 30, 1, 5000, tzinfo=UTC)}
    written = dated_state(stream.cursor_field, cursors)

    assert list(written) == ["1", "2"]
    assert parse_dated_state(stream, written) == cursors


@pytest.mark.parametrize("state", [[], {"1": {}}, {"1": {"start_time": "soon"}}, {"x": {"start_time": "2024"}}])
def test_given_malformed_state_when_parsed_then_config_error_names_stream(state: Any) -> None:
    with pytest.raises(ConfigError, match="session_recordings state"):
        parse_dated_state(STREAMS_BY_NAME["session_recordings"], state)
