"""The one dispatch (readers.py): a row read through the reader of its spec; every incremental state checked first."""

from typing import Any

import pytest

from source_posthog.errors import ConfigError
from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.readers import PROBES, READERS, check_states, parse_state, read_stream
from source_posthog.streams.stream import CustomSpec, DatedSpec, EventsSpec, RestSpec, Stream, TableSpec
from source_posthog.streams.table import STREAMS
from unit_tests.fakes import API, Harness
from unit_tests.test_keyset import GROUPS, FakeTable

INCREMENTAL = [stream for stream in STREAMS if stream.cursor_field is not None]


def test_given_every_spec_type_then_one_reader_and_one_probe_and_every_row_has_one() -> None:
    # CustomSpec: the rows the config's custom_queries add after the table (streams/custom/, issue 24).
    assert set(READERS) == set(PROBES) == {RestSpec, DatedSpec, TableSpec, EventsSpec, CustomSpec}
    assert all(type(stream.read) in READERS for stream in STREAMS)


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


class TestHogQLStream:
    def test_given_a_hogql_row_when_read_then_every_row_once_per_project_with_project_id(
        self, requests_mock: Any
    ) -> None:
        stream = Stream("groups", "query:read", EndpointClass.QUERY, TableSpec(GROUPS), primary_key=("index",))
        for project_id in (1, 2):
            cells = [[0, f"p{project_id}", "{}"], [0, f"p{project_id}", "{}"], [1, "x", "{}"]]
            fake = FakeTable(["index", "key", "properties"], cells, [0, 1])
            requests_mock.post(f"{API}/projects/{project_id}/query/", json=fake)
        harness = Harness()
        assert read_stream(stream, harness.sync([{"id": 1}, {"id": 2}]), "full_refresh", None) == 4
        records = harness.records("groups")
        assert [(r["project_id"], r["key"]) for r in records] == [(1, "p1"), (1, "x"), (2, "p2"), (2, "x")]
