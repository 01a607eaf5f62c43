"""Every incremental stream's state checked before the first request (readers.parse_state), for both protocols."""

from typing import Any

import pytest

from source_posthog.errors import ConfigError
from source_posthog.streams.readers import check_states, parse_state
from source_posthog.streams.stream import DatedSpec, EventsSpec, TableSpec
from source_posthog.streams.table import STREAMS

INCREMENTAL = [stream for stream in STREAMS if stream.cursor_field is not None]


def test_given_the_table_then_every_reader_kind_with_a_cursor_is_covered() -> None:
    assert {type(stream.read) for stream in INCREMENTAL} == {DatedSpec, TableSpec, EventsSpec}


@pytest.mark.parametrize("stream", INCREMENTAL, ids=lambda stream: stream.name)
@pytest.mark.parametrize("bad", [[1], {"1": "x"}, {"1": {}}, {"1": {"timestamp": "garbage", "x": "garbage"}}])
def test_given_a_malformed_state_of_any_incremental_stream_then_config_error(stream: Any, bad: Any) -> None:
    with pytest.raises(ConfigError):
        parse_state(stream, bad)
    with pytest.raises(ConfigError):
        check_states({stream.name: bad})


def test_given_no_state_or_a_stream_without_cursor_then_nothing_is_checked() -> None:
    check_states({"cohorts": {"anything": 1}, "unknown_stream": 5})
    for stream in INCREMENTAL:
        parse_state(stream, None)
        parse_state(stream, {})
