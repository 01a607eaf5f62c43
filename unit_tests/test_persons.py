"""Record shapes of HogQL pages: plain rows, and persons with their distinct ids and PostHog's display name.

The distinct ids come from the project's on-disk store (distinct_ids.py), filled by one bounded pass over
`person_distinct_ids`; the per-page grouped `person_id` query (a whole-team read each) is gone.
"""

from typing import Any
from uuid import UUID

from source_posthog.streams.tables.distinct_ids import LOOKUP, DistinctIdStore
from source_posthog.streams.tables.persons import display_name, is_anonymous, persons, plain

UUID_A = "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d"
UUID_B = "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0e"
UUID_C = "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0f"


def test_plain_parses_json_properties_and_renames_columns() -> None:
    records = plain([{"index": 1, "key": "acme", "properties": '{"seats": 3}'}], {"index": "group_type_index"})
    assert records == [{"key": "acme", "properties": {"seats": 3}, "group_type_index": 1}]


def test_persons_get_the_list_fields_and_identified_distinct_ids_first() -> None:
    asked: list[list[str]] = []

    def owned(ids: list[str]) -> dict[str, list[str]]:
        asked.append(ids)
        return {UUID_A: [UUID_A, "user_1"], UUID_B: [UUID_B]}

    rows: list[dict[str, Any]] = [
        {"id": UUID_A, "created_at": "2026-01-01T00:00:00.000000Z", "properties": "{}", "is_identified": False},
        {"id": UUID_B, "created_at": "2026-01-01T00:00:00.000000Z", "properties": '{"email": "b@x.io"}'},
    ]
    a, b = persons(rows, owned)
    assert a["distinct_ids"] == ["user_1", UUID_A]
    assert a["name"] == "user_1"
    assert b["name"] == "b@x.io"
    assert (a["uuid"], a["last_seen_at"], a["type"], a["matched_recordings"]) == (UUID_A, None, "person", [])
    assert asked == [[UUID_A, UUID_B]]  # one lookup for the page


def test_a_person_without_distinct_ids_gets_an_empty_list_and_its_id_as_name() -> None:
    (record,) = persons([{"id": UUID_C, "properties": {}}], lambda _ids: {})
    assert (record["distinct_ids"], record["name"]) == ([], UUID_C)


def test_given_a_store_when_looked_up_then_each_person_gets_exactly_its_distinct_ids() -> None:
    with DistinctIdStore() as store:
        store.add([("a1", UUID_A), ("b1", UUID_B)])
        store.add([("a2", UUID_A), ("x", UUID_C)])
        store.seal()
        assert store.count == 4
        assert store.of([UUID_B, UUID_A]) == {UUID_A: ["a1", "a2"], UUID_B: ["b1"]}
        assert store.of([UUID_C]) == {UUID_C: ["x"]}  # the page table is emptied between lookups
        assert store.of([]) == {}


def test_given_many_stored_ids_when_a_page_is_looked_up_then_by_the_person_index_not_a_scan() -> None:
    # A scan of every stored id per page made a persons read quadratic in the project (distinct_ids.LOOKUP).
    people = [str(UUID(int=n)) for n in range(1, 5001)]
    with DistinctIdStore() as store:
        store.add((f"d{n}", person) for n, person in enumerate(people))
        store.seal()
        assert store.of(people[10:12]) == {people[10]: ["d10"], people[11]: ["d11"]}
        plan = " | ".join(row[3] for row in store._db.execute(f"EXPLAIN QUERY PLAN {LOOKUP}"))
    assert plan.startswith("SCAN page"), plan
    assert "SEARCH pdi USING INDEX pdi_person" in plan, plan


def test_display_name_follows_posthog_order_and_falls_back_to_the_id() -> None:
    assert (
        display_name({"id": UUID_A, "properties": {"name": "Ana", "Email": "a@x.io"}, "distinct_ids": []}) == "a@x.io"
    )
    assert display_name({"id": UUID_A, "properties": {"email": ""}, "distinct_ids": []}) == UUID_A
    assert is_anonymous(UUID_A)
    assert not is_anonymous("user_1")
