from datetime import UTC, datetime, timedelta

import pytest

from source_posthog.airbyte.spec import spec_schema
from source_posthog.config.fields import US_CLOUD
from source_posthog.config.file import parse_config
from source_posthog.errors import ConfigError
from unit_tests.conftest import KEY, valid_config


class TestParseConfig:
    def test_given_minimal_config_when_parsed_then_defaults_apply(self) -> None:
        config = parse_config(valid_config())
        assert config.base_url == US_CLOUD
        assert config.events_time_step == 30
        assert config.events_lookback_minutes == 60
        assert config.project_ids == []
        assert config.start == datetime(2024, 1, 1, tzinfo=UTC)

    @pytest.mark.parametrize(
        ("base_url", "expected"),
        [
            ("https://app.posthog.com", US_CLOUD),
            ("https://app.posthog.com/", US_CLOUD),
            ("https://eu.posthog.com", "https://eu.posthog.com"),
            ("https://posthog.example.com/", "https://posthog.example.com"),
            ("http://127.0.0.1:8010", "http://127.0.0.1:8010"),
        ],
    )
    def test_given_base_url_when_parsed_then_normalised(self, base_url: str, expected: str) -> None:
        assert parse_config(valid_config(base_url=base_url)).base_url == expected

    @pytest.mark.parametrize(
        ("overrides", "fragment"),
        [
            ({"api_key": ""}, "api_key: must not be empty"),
            ({"api_key": "   "}, "api_key: must not be empty"),
            ({"api_key": "phc_projectTokenAbcdef"}, "project token"),
            ({"api_key": 42}, "api_key"),
            ({"start_date": "2024-01-01"}, "must look like 2024-01-01T00:00:00Z"),
            ({"start_date": "yesterday"}, "must look like"),
            ({"base_url": "ftp://posthog.example.com"}, "must be an http(s) URL"),
            ({"base_url": "us.posthog.com"}, "must be an http(s) URL"),
            ({"base_url": "https://us.posthog.com/?x=1"}, "query string"),
            ({"events_time_step": 0}, "events_time_step"),
            ({"events_time_step": 92}, "events_time_step"),
            ({"events_page_size": 50001}, "events_page_size"),
            ({"project_ids": [0]}, "project_ids"),
            ({"rate_limit_share": 0}, "rate_limit_share"),
        ],
    )
    def test_given_bad_field_when_parsed_then_config_error_names_it(
        self, overrides: dict[str, object], fragment: str
    ) -> None:
        with pytest.raises(ConfigError) as caught:
            parse_config(valid_config(**overrides))
        assert fragment in caught.value.message
        assert "phc_projectTokenAbcdef" not in caught.value.message

    @pytest.mark.parametrize("missing", ["api_key", "start_date"])
    def test_given_missing_required_field_when_parsed_then_error_names_it(self, missing: str) -> None:
        raw = valid_config()
        del raw[missing]
        with pytest.raises(ConfigError, match=f"{missing}: Field required"):
            parse_config(raw)

    def test_given_future_start_date_when_parsed_then_error_says_future(self) -> None:
        future = (datetime.now(UTC) + timedelta(days=2)).strftime("%Y-%m-%dT%H:%M:%SZ")
        with pytest.raises(ConfigError, match="in the future"):
            parse_config(valid_config(start_date=future))

    def test_given_not_an_object_when_parsed_then_config_error(self) -> None:
        with pytest.raises(ConfigError, match="JSON object"):
            parse_config(["api_key"])

    def test_given_unknown_fields_when_parsed_then_ignored(self) -> None:
        assert parse_config(valid_config(something_else=1)).api_key.get_secret_value() == KEY

    @pytest.mark.parametrize(
        ("extra", "hint"),
        [
            ("project_id", "did you mean 'project_ids'?"),
            ("start_data", "did you mean 'start_date'?"),
            ("events_page", "did you mean 'events_page_size'?"),
            ("something_else", "known keys: api_key, start_date, base_url"),
        ],
    )
    def test_given_unknown_key_when_parsed_then_one_warning_names_the_closest_known_key(
        self, extra: str, hint: str
    ) -> None:
        warnings: list[str] = []
        parse_config(valid_config(**{extra: [101]}), warn=warnings.append)
        (warning,) = warnings
        assert warning.startswith(f"Config key {extra!r} is unknown and ignored; ")
        assert hint in warning

    def test_given_only_known_keys_when_parsed_then_no_warning(self) -> None:
        warnings: list[str] = []
        parse_config(valid_config(project_ids=[1], rate_limits={"query": "1/second"}), warn=warnings.append)
        assert warnings == []

    def test_given_key_when_config_printed_then_key_hidden(self) -> None:
        config = parse_config(valid_config())
        assert KEY not in repr(config)
        assert KEY not in str(config)


class TestRateLimits:
    def test_given_overrides_when_parsed_then_windows_replace_documented_ones(self) -> None:
        from source_posthog.config.rates import Window
        from source_posthog.http.pacing import DOCUMENTED_LIMITS, EndpointClass, limits_with

        config = parse_config(valid_config(rate_limits={"query": "3/second, 100/hour"}))
        limits = limits_with(config.rate_limits.model_dump())
        assert limits[EndpointClass.QUERY] == (Window(3, 1), Window(100, 3600))
        assert limits[EndpointClass.CRUD] == DOCUMENTED_LIMITS[EndpointClass.CRUD]

    @pytest.mark.parametrize("rates", ["3 per second", "0/minute", "5/fortnight", "/hour"])
    def test_given_bad_rate_when_parsed_then_config_error_names_class(self, rates: str) -> None:
        with pytest.raises(ConfigError, match=r"rate_limits\.query"):
            parse_config(valid_config(rate_limits={"query": rates}))

    def test_given_unknown_class_when_parsed_then_config_error(self) -> None:
        with pytest.raises(ConfigError, match=r"rate_limits\.events"):
            parse_config(valid_config(rate_limits={"events": "1/second"}))

    def test_given_insights_class_when_parsed_then_error_lists_the_valid_keys_and_what_they_pace(self) -> None:
        with pytest.raises(ConfigError) as raised:
            parse_config(valid_config(rate_limits={"insights": "1/second"}))
        message = raised.value.message
        assert "rate_limits.insights: is not a rate class; the valid keys are crud (" in message
        assert "analytics (insights and the legacy /events/ list)" in message
        assert all(key in message for key in ("crud", "analytics", "persons", "query"))
        assert "Extra inputs" not in message

    def test_spec_inlines_the_sub_object(self) -> None:
        prop = spec_schema()["properties"]["rate_limits"]
        assert prop["type"] == "object"
        assert set(prop["properties"]) == {"crud", "analytics", "persons", "query"}
