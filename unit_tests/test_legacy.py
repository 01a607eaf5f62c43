from datetime import datetime, timedelta
from typing import Any

import pytest

from source_posthog.streams.events.legacy import MAX_UUID
from source_posthog.streams.events.legacy_split import EVERY_UUID, UUID_CHARS, split_range
from unit_tests.events_fake_api import FakeEventsApi, at, spread, tie, uid
from unit_tests.fakes import API, Harness, make_config
from unit_tests.test_events_read import ids, run_read, states


def legacy_api(requests_mock: Any, rows: list[Any], page: int) -> FakeEventsApi:
    api = FakeEventsApi(rows, events_page=page)
    api.mount(requests_mock)
    requests_mock.post(f"{API}/projects/1/query/", status_code=404, json={"detail": "Endpoint not found."})
    return api


def harness(step: int = 91) -> Harness:
    return Harness(make_config(start_date="2024-01-01T00:00:00Z", events_time_step=step))


class TestLegacyEvents:
    def test_given_ties_at_page_boundaries_when_read_then_none_lost_none_repeated(self, requests_mock: Any) -> None:
        rows = [(at("2024-01-01 00:00:00"), uid(999))]  # exactly at start_date: `after` is exclusive
        rows += spread(at("2024-01-01 01:00:00"), 4, timedelta(seconds=1), 0) + tie(at("2024-01-01 02:00:00"), 3, 50)
        rows += spread(at("2024-01-01 23:59:59"), 3, timedelta(microseconds=500_000), 70)  # crosses midnight
        api = legacy_api(requests_mock, rows, page=4)
        h = harness(step=1)
        run_read(h)
        assert sorted(ids(h)) == sorted(u for _, u in rows)
        assert len(ids(h)) == len(rows)
        assert all(p["orderBy"] == '["timestamp"]' for p in api.event_params)

    def test_given_tie_block_bigger_than_page_when_read_then_split_by_uuid_prefix(self, requests_mock: Any) -> None:
        rows = [*tie(at("2024-01-01 05:00:00"), 40, 0), (at("2024-01-01 06:00:00"), uid(500))]
        api = legacy_api(requests_mock, rows, page=4)
        h = harness()
        run_read(h)
        assert sorted(ids(h)) == sorted(u for _, u in rows)
        assert any("properties" in p for p in api.event_params)

    def test_given_instance_ignoring_hogql_filter_when_tie_block_too_big_then_warns(self, requests_mock: Any) -> None:
        api = legacy_api(requests_mock, tie(at("2024-01-01 05:00:00"), 10, 0), page=4)
        api.honours_hogql_filter = False
        h = harness()
        run_read(h)
        assert any("ignores the HogQL filter" in log for log in h.logs())

    def test_given_page_read_when_checkpointed_then_resume_starts_at_the_last_timestamp(
        self, requests_mock: Any
    ) -> None:
        rows = spread(at("2024-01-01 01:00:00"), 6, timedelta(seconds=1))
        legacy_api(requests_mock, rows, page=4)
        h = harness()
        run_read(h)
        first = states(h)[0]["1"]
        assert first == {"timestamp": "2024-01-01T01:00:02.999999+00:00", "uuid": MAX_UUID}
        resumed = harness()
        run_read(resumed, {"1": first})
        assert ids(resumed) == [uid(3), uid(4), uid(5)]

    def test_given_tie_block_starting_mid_page_when_split_then_no_row_emitted_twice(self, requests_mock: Any) -> None:
        # Page 1 ends with 2 of the tie; page 2 (all tied) adds 2 more, which the block read must not repeat.
        rows = [
            *spread(at("2024-01-01 04:00:00"), 2, timedelta(seconds=1), 100),
            *tie(at("2024-01-01 05:00:00"), 10, 0),
        ]
        legacy_api(requests_mock, rows, page=4)
        h = harness()
        run_read(h)
        assert sorted(ids(h)) == sorted(u for _, u in rows)
        assert len(ids(h)) == len(rows)

    def test_given_tie_ids_sharing_a_long_prefix_when_split_then_requests_do_not_grow_with_it(
        self, requests_mock: Any
    ) -> None:
        # 40 ids sharing 34 characters: one character at a time would take ~17 requests per shared character.
        api = legacy_api(requests_mock, tie(at("2024-01-01 05:00:00"), 40, 0), page=4)
        h = harness()
        run_read(h)
        assert len(ids(h)) == 40
        assert len(api.event_params) <= 80  # 3 splits of <= 19 parts + pages; prefix by prefix took ~600


@pytest.mark.parametrize(
    ("whole", "ids", "expected"),
    [
        (EVERY_UUID, ["01a0-7a", "01a0-7b"], [("", "01a0-7"), *[(f"01a0-7{c}", f"01a0-7{c}g") for c in UUID_CHARS],
                                                ("01a0-7g", "g")]),
        (("01a0-7", "01a0-7b"), ["01a0-7a1", "01a0-7a2"], [("01a0-7", "01a0-7a"),
                                                           *[(f"01a0-7a{c}", f"01a0-7a{c}g") for c in UUID_CHARS],
                                                           ("01a0-7ag", "01a0-7b")]),
        (("01a0-7a", "01a0-7ag"), ["01a0-7a1", "01a0-7a2"], [(f"01a0-7a{c}", f"01a0-7a{c}g") for c in UUID_CHARS]),
        (EVERY_UUID, ["01a0'; DROP", "01a0'; DROP"], [("", "01a0"), *[(f"01a0{c}", f"01a0{c}g") for c in UUID_CHARS],
                                                      ("01a0g", "g")]),
    ],
)  # fmt: skip
def test_given_full_page_ids_when_split_then_parts_cover_the_range_around_their_common_prefix(
    whole: tuple[str, str], ids: list[str], expected: list[tuple[str, str]]
) -> None:
    assert split_range(whole, ids) == expected


class TestFirstEvent:
    def test_given_years_of_empty_history_when_read_then_one_probe_per_year_not_one_request_per_slice(
        self, requests_mock: Any
    ) -> None:
        rows = spread(at("2026-01-10 01:00:00"), 3, timedelta(seconds=1))
        api = legacy_api(requests_mock, rows, page=4)
        h = Harness(make_config(start_date="2020-01-01T00:00:00Z", events_time_step=1))
        run_read(h)
        assert sorted(ids(h)) == sorted(u for _, u in rows)
        probes = [p for p in api.event_params if p["limit"] == "1"]
        assert len(probes) <= 7  # 2020-01-01 → 2026: one window of at most 365 days each
        # Without the probe, 1-day slices from 2020 would cost ~2,200 requests.
        assert len(api.event_params) < 7 + 400
        for params in api.event_params:  # PostHog refuses a span over 366 days (HTTP 500)
            span = datetime.fromisoformat(params["before"]) - datetime.fromisoformat(params["after"])
            assert span <= timedelta(days=366)

    def test_given_no_events_at_all_when_read_then_only_probes_and_cursor_at_upper(self, requests_mock: Any) -> None:
        api = legacy_api(requests_mock, [], page=4)
        h = harness()
        run_read(h)
        assert ids(h) == []
        assert all(p["limit"] == "1" for p in api.event_params)
        assert "uuid" not in states(h)[-1]["1"]
