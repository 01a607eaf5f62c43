"""The one dispatch (readers.py): a HogQL row read per project through its reader."""

from typing import Any

from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.readers import read_stream
from source_posthog.streams.stream import Stream, TableSpec
from unit_tests.fakes import API, Harness
from unit_tests.test_keyset import GROUPS, FakeTable


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
