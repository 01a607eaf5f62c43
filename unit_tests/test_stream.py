"""The stream row: common fields plus one read spec, so that a combination that makes no sense cannot be written."""

import pytest

from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.stream import RestSpec, Stream
from source_posthog.streams.table import STREAMS


def test_given_a_rest_list_when_a_cursor_is_given_then_the_row_cannot_be_built() -> None:
    with pytest.raises(TypeError, match="cursor_field"):
        Stream("x", "x:read", EndpointClass.CRUD, RestSpec("x/"), cursor_field="t")  # type: ignore[call-arg]


def test_given_the_table_then_only_incremental_specs_carry_a_cursor() -> None:
    incremental = {stream.name: stream.cursor_field for stream in STREAMS if stream.cursor_field}
    assert incremental == {
        "events": "timestamp",
        "session_recordings": "start_time",
        "groups": "updated_at",
        "sessions": "start_timestamp",
    }
    assert all(stream.cursor_field is None for stream in STREAMS if isinstance(stream.read, RestSpec))
