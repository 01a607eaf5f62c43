import pytest

from source_posthog.airbyte.state import parse_state
from source_posthog.errors import ConfigError

PER_PROJECT = {"1": {"timestamp": "2026-05-01T12:00:00.123000+00:00"}}


class TestParseState:
    @pytest.mark.parametrize("raw", [None, {}, []])
    def test_given_empty_state_when_parsed_then_nothing(self, raw: object) -> None:
        assert parse_state(raw) == {}

    def test_given_per_stream_list_when_parsed_then_keyed_by_stream(self) -> None:
        raw = [{"type": "STREAM", "stream": {"stream_descriptor": {"name": "events"}, "stream_state": PER_PROJECT}}]
        assert parse_state(raw) == {"events": PER_PROJECT}

    def test_given_global_state_when_parsed_then_stream_states_used(self) -> None:
        raw = [
            {
                "type": "GLOBAL",
                "global": {"stream_states": [{"stream_descriptor": {"name": "events"}, "stream_state": PER_PROJECT}]},
            }
        ]
        assert parse_state(raw) == {"events": PER_PROJECT}

    def test_given_legacy_list_when_parsed_then_data_used(self) -> None:
        assert parse_state([{"type": "LEGACY", "data": {"events": PER_PROJECT}}]) == {"events": PER_PROJECT}

    def test_given_existing_connector_plain_dict_when_parsed_then_used(self) -> None:
        assert parse_state({"events": PER_PROJECT}) == {"events": PER_PROJECT}

    @pytest.mark.parametrize("bare", [PER_PROJECT, {"timestamp": "2026-05-01T12:00:00+00:00"}])
    def test_given_bare_events_state_when_parsed_then_assigned_to_events(self, bare: dict[str, object]) -> None:
        assert parse_state(bare) == {"events": bare}

    @pytest.mark.parametrize("raw", ["text", 3, [1, 2], [{"type": "STREAM", "stream": {}}], [{"type": "WHAT"}]])
    def test_given_wrong_shape_when_parsed_then_config_error(self, raw: object) -> None:
        with pytest.raises(ConfigError):
            parse_state(raw)
