"""Record shapes of HogQL pages: plain rows, and persons with their distinct ids and PostHog's display name."""

from typing import Any

import pytest

from source_posthog.errors import QueryLimitError
from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.tables import persons as shapes
from source_posthog.streams.tables.persons import GROUPED_ROW_LIMIT, display_name, is_anonymous, persons, plain

UUID_A = "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d"
UUID_B = "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0e"


class FakeQueries:
    """Answers the distinct-ids query from a map, as if PostHog cut answers at `cap` rows."""

    def __init__(
        self, owned: dict[str, list[str]], cap: int = GROUPED_ROW_LIMIT, time_limit: int | None = None
    ) -> None:
        self.owned, self.cap, self.time_limit = owned, cap, time_limit
        self.ranges: list[tuple[str, str]] = []

    def post_json(self, path: str, body: dict[str, Any], endpoint_class: EndpointClass = EndpointClass.QUERY) -> Any:
        values = body["query"]["values"]
        self.ranges.append((values["first"], values["last"]))
        rows = [[p, ids] for p, ids in self.owned.items() if values["first"] <= p <= values["last"]]
        if self.time_limit is not None and sum(len(ids) for _, ids in rows) > self.time_limit:
            raise QueryLimitError("PostHog stopped a query at its limits (HTTP 504): 10-second time limit")
        return {"columns": ["person_id", "distinct_ids"], "results": rows[: self.cap]}


def test_plain_parses_json_properties_and_renames_columns() -> None:
    records = plain([{"index": 1, "key": "acme", "properties": '{"seats": 3}'}], {"index": "group_type_index"})
    assert records == [{"key": "acme", "properties": {"seats": 3}, "group_type_index": 1}]


def test_persons_get_the_list_fields_and_identified_distinct_ids_first() -> None:
    queries = FakeQueries({UUID_A: [UUID_A, "user_1"], UUID_B: [UUID_B]})
    rows: list[dict[str, Any]] = [
        {"id": UUID_A, "created_at": "2026-01-01T00:00:00.000000Z", "properties": "{}", "is_identified": False},
        {"id": UUID_B, "created_at": "2026-01-01T00:00:00.000000Z", "properties": '{"email": "b@x.io"}'},
    ]
    a, b = persons(rows, queries, 1)
    assert a["distinct_ids"] == ["user_1", UUID_A]
    assert a["name"] == "user_1"
    assert b["name"] == "b@x.io"
    assert (a["uuid"], a["last_seen_at"], a["type"], a["matched_recordings"]) == (UUID_A, None, "person", [])
    assert queries.ranges == [(UUID_A, UUID_B)]  # one query for the page


def test_a_distinct_ids_answer_at_the_cap_is_asked_again_per_half_range(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shapes, "GROUPED_ROW_LIMIT", 1)
    queries = FakeQueries({UUID_A: ["a"], UUID_B: ["b"]}, cap=1)
    rows: list[dict[str, Any]] = [{"id": UUID_A, "properties": {}}, {"id": UUID_B, "properties": {}}]
    a, b = persons(rows, queries, 1)
    assert (a["distinct_ids"], b["distinct_ids"]) == (["a"], ["b"])
    assert queries.ranges == [(UUID_A, UUID_B), (UUID_A, UUID_A), (UUID_B, UUID_B)]


def test_a_distinct_ids_query_over_the_time_limit_is_asked_again_per_half_range() -> None:
    queries = FakeQueries({UUID_A: ["a1", "a2"], UUID_B: ["b1", "b2"]}, time_limit=2)
    rows: list[dict[str, Any]] = [{"id": UUID_A, "properties": {}}, {"id": UUID_B, "properties": {}}]
    a, b = persons(rows, queries, 1)
    assert (a["distinct_ids"], b["distinct_ids"]) == (["a1", "a2"], ["b1", "b2"])
    assert queries.ranges == [(UUID_A, UUID_B), (UUID_A, UUID_A), (UUID_B, UUID_B)]


def test_one_person_over_the_time_limit_is_a_query_limit_error() -> None:
    queries = FakeQueries({UUID_A: ["a1", "a2", "a3"]}, time_limit=2)
    with pytest.raises(QueryLimitError):
        persons([{"id": UUID_A, "properties": {}}], queries, 1)


def test_display_name_follows_posthog_order_and_falls_back_to_the_id() -> None:
    assert (
        display_name({"id": UUID_A, "properties": {"name": "Ana", "Email": "a@x.io"}, "distinct_ids": []}) == "a@x.io"
    )
    assert display_name({"id": UUID_A, "properties": {"email": ""}, "distinct_ids": []}) == UUID_A
    assert is_anonymous(UUID_A)
    assert not is_anonymous("user_1")


def test_given_an_old_instance_cutting_at_10000_when_a_distinct_ids_answer_has_10000_rows_then_halved() -> None:
    owned = {f"0190f1c2-7d1e-7a3b-9c4d-{i:012x}": [f"user_{i}"] for i in range(10_002)}
    queries = FakeQueries(owned, cap=10_000)  # PostHog before June 2024: LIMIT 50000 silently becomes 10000
    rows: list[dict[str, Any]] = [{"id": person, "properties": {}} for person in sorted(owned)]
    records = persons(rows, queries, 1)
    assert all(record["distinct_ids"] for record in records)  # nobody lost their ids to the cut
    assert len(queries.ranges) == 3  # the whole range, then each half (5,001 rows each, below every cap)
