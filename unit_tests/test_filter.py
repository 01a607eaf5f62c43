"""Event-name filters: inside every events query (pages, first-event probe, late-event counts, /events/),
recorded in the state, and a WARN when they differ from the recorded ones."""

from typing import Any

import pytest

from source_posthog.config.file import parse_config
from source_posthog.errors import ConfigError
from source_posthog.streams.events.filter import STATE_KEY, EventFilter, literals
from unit_tests.events_fake_api import FakeEventsApi, at, spread
from unit_tests.fakes import API, Harness, make_config
from unit_tests.test_events_read import run_read, states

FILTERED = {"events_include": ["signed_up", "$pageview"], "events_exclude": ["$autocapture"]}
ROWS = spread(at("2024-01-02 00:00:00"), 5, at("2024-01-02 01:00:00") - at("2024-01-02 00:00:00"))


def harness(**config: Any) -> Harness:
    return Harness(make_config(start_date="2024-01-01T00:00:00Z", **config))


class TestEventFilter:
    def test_given_include_and_exclude_when_condition_built_then_names_travel_as_placeholders(self) -> None:
        event_filter = EventFilter.of(make_config(**FILTERED))

        assert event_filter.condition() == (
            "event IN {events_include} AND event NOT IN {events_exclude}",
            {"events_include": ["$pageview", "signed_up"], "events_exclude": ["$autocapture"]},
        )

    def test_given_no_names_when_condition_built_then_none_and_every_event_described(self) -> None:
        event_filter = EventFilter.of(make_config())

        assert (event_filter.condition(), event_filter.hogql_expression()) == (None, None)
        assert (event_filter.describe(), event_filter.to_state()) == ("every event", None)

    def test_given_quotes_and_backslashes_when_written_as_hogql_literals_then_escaped(self) -> None:
        assert literals(("it's", "a\\b", "line\nbreak")) == "'it\\'s', 'a\\\\b', 'line\\nbreak'"
        assert EventFilter(exclude=("x",)).hogql_expression() == "event NOT IN ('x')"

    @pytest.mark.parametrize(
        ("saved", "expected"),
        [
            ({STATE_KEY: {"include": ["b", "a"], "exclude": []}}, EventFilter(("a", "b"))),
            ({STATE_KEY: {"include": "a", "exclude": []}}, EventFilter()),
            ({"1": {"timestamp": "2024-01-01T00:00:00Z"}}, EventFilter()),
            (None, EventFilter()),
        ],
    )
    def test_given_saved_state_when_read_then_recorded_filter_or_none(self, saved: Any, expected: EventFilter) -> None:
        assert EventFilter.from_state(saved) == expected

    def test_given_a_name_in_both_lists_when_config_parsed_then_config_error_names_it(self) -> None:
        with pytest.raises(ConfigError, match="both name '\\$pageview'"):
            parse_config(
                {"api_key": "phx_k", "start_date": "2024-01-01T00:00:00Z", **FILTERED, "events_exclude": ["$pageview"]}
            )

    @pytest.mark.parametrize("names", [[""], ["x" * 401], ["e"] * 1001])
    def test_given_empty_long_or_too_many_names_when_config_parsed_then_config_error(self, names: list[str]) -> None:
        with pytest.raises(ConfigError, match="events_include"):
            parse_config({"api_key": "phx_k", "start_date": "2024-01-01T00:00:00Z", "events_include": names})


class TestFilteredRead:
    def test_given_filters_when_events_read_then_every_query_carries_them_and_state_records_them(
        self, requests_mock: Any
    ) -> None:
        api = FakeEventsApi(ROWS)
        api.mount(requests_mock)
        h = harness(**FILTERED)

        run_read(h, state={"1": {"timestamp": "2024-01-01T00:00:00.000000+00:00"}})

        assert len(api.queries) >= 4  # late-event count, first event, at least one page
        for body in api.queries:
            assert "event IN {events_include} AND event NOT IN {events_exclude}" in body["query"]["query"]
            assert body["query"]["values"]["events_include"] == ["$pageview", "signed_up"]
        assert states(h)[-1][STATE_KEY] == {"include": ["$pageview", "signed_up"], "exclude": ["$autocapture"]}

    def test_given_filters_differ_from_recorded_when_read_then_warns_cursor_kept_and_no_backfill(
        self, requests_mock: Any
    ) -> None:
        FakeEventsApi(ROWS).mount(requests_mock)
        h = harness(events_include=["signed_up"])
        saved = {"1": {"timestamp": "2024-01-01T00:00:00.000000+00:00"}, STATE_KEY: {"include": [], "exclude": ["x"]}}

        run_read(h, state=saved)

        (warning,) = [line for line in h.logs() if "event filters changed" in line]
        assert "was: every event except x; now: only signed_up" in warning
        assert "reset the events stream" in warning

    def test_given_same_filters_as_recorded_when_read_then_no_warning(self, requests_mock: Any) -> None:
        FakeEventsApi(ROWS).mount(requests_mock)
        h = harness(**FILTERED)
        saved = {"1": {"timestamp": "2024-01-01T00:00:00.000000+00:00"}, STATE_KEY: EventFilter.of(h.config).to_state()}

        run_read(h, state=saved)

        assert not any("event filters changed" in line for line in h.logs())

    def test_given_filters_and_no_query_api_when_events_read_then_every_legacy_request_filters_by_name(
        self, requests_mock: Any
    ) -> None:
        api = FakeEventsApi(ROWS, events_page=2)
        api.mount(requests_mock)
        requests_mock.post(f"{API}/projects/1/query/", status_code=404, json={"detail": "Endpoint not found."})
        h = harness(**FILTERED)

        run_read(h)

        expected = "event IN ('$pageview', 'signed_up') AND event NOT IN ('$autocapture')"
        assert api.event_params
        assert all(expected in param["properties"] for param in api.event_params)
