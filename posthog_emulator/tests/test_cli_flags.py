"""Emulator CLI flags that size the dataset."""

from posthog_emulator.__main__ import parse_args, settings_from


def test_given_persons_per_project_flag_when_parsed_then_settings_carry_it() -> None:
    assert settings_from(parse_args([])).persons_per_project == 300
    assert settings_from(parse_args(["--persons-per-project", "100000"])).persons_per_project == 100_000


def test_given_groups_per_type_flag_when_parsed_then_settings_carry_it() -> None:
    assert settings_from(parse_args([])).groups_per_type is None
    assert settings_from(parse_args(["--groups-per-type", "12000"])).groups_per_type == 12_000
