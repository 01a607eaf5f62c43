"""The legacy /events/ edge after a heavy event read alone: what is re-read, what is left out (issue 23)."""

from datetime import UTC, datetime

import orjson

from source_posthog.streams.events.legacy_edge import Edge, left_out_filter, property_filters
from source_posthog.streams.events.legacy_split import EVERY_UUID

T0 = datetime(2026, 5, 1, 12, tzinfo=UTC)
T1 = datetime(2026, 5, 1, 13, tzinfo=UTC)
A, B, H = "0000-a", "0000-b", "0000-f"


def row(event_id: str, at: datetime) -> dict[str, str]:
    return {"id": event_id, "timestamp": at.isoformat()}


def test_given_rows_then_a_heavy_event_at_a_later_time_when_advanced_then_edge_at_it_and_it_left_out() -> None:
    edge = Edge(T0, {A}).after([row(A, T0), row(B, T1)], row(H, T1))
    assert (edge.lower, edge.seen, edge.alone) == (T1, {B, H}, {H})


def test_given_a_heavy_event_at_the_edge_when_advanced_then_earlier_ids_and_heavy_ones_are_kept() -> None:
    edge = Edge(T0, {A}, {B}).after([], row(H, T0))
    assert (edge.lower, edge.seen, edge.alone) == (T0, {A, H}, {B, H})


def test_given_a_plain_page_when_advanced_then_nothing_is_left_out() -> None:
    edge = Edge(T0, {A}, {H}).after([row(A, T0), row(B, T1)])
    assert (edge.lower, edge.seen, edge.alone) == (T1, {B}, set())


def test_given_heavy_ids_then_they_are_left_out_and_other_text_is_never_quoted() -> None:
    assert left_out_filter(set()) is None
    assert left_out_filter({H, A}) == f"toString(uuid) != '{A}' AND toString(uuid) != '{H}'"
    assert left_out_filter({"x' OR 1=1 --"}) is None
    filters = orjson.loads(property_filters("event = 'a'", EVERY_UUID, {H}) or "[]")
    assert [item["key"] for item in filters] == ["event = 'a'", f"toString(uuid) != '{H}'"]
    assert property_filters(None, EVERY_UUID, set()) is None
