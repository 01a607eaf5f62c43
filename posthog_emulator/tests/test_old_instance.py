"""An older self-hosted instance: strict request models reject `modifiers`; cells come in project time."""

from collections.abc import Callable

import pytest

from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.__main__ import parse_args, settings_from
from posthog_emulator.tests.conftest import NEW_YORK, Api, hogql

SQL = "SELECT timestamp FROM events ORDER BY timestamp LIMIT 1"
UTC_BODY = hogql(SQL, modifiers={"convertToProjectTimezone": False})
REJECTED = {
    "type": "invalid_request",
    "code": "parse_error",
    "detail": "JSON parse error - 1 validation error for QueryRequest\nquery.HogQLQuery.modifiers\n"
    "  Extra inputs are not permitted [type=extra_forbidden, "
    "input_value={'convertToProjectTimezone': False}, input_type=dict]",
    "attr": None,
}


def test_given_current_instance_when_modifiers_sent_then_accepted_and_utc(api: Api) -> None:
    response = api(
        "POST", f"/api/projects/{NEW_YORK}/query/", json=hogql(SQL, modifiers={"convertToProjectTimezone": False})
    )
    assert response.status_code == 200
    assert response.json()["results"][0][0].endswith("Z")


def test_given_old_instance_when_modifiers_sent_then_400_extra_forbidden(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"query_rejects_unknown_fields": True})
    response = api(
        "POST", f"/api/projects/{NEW_YORK}/query/", json=hogql(SQL, modifiers={"convertToProjectTimezone": False})
    )
    assert (response.status_code, response.json()) == (400, REJECTED)


def test_given_old_instance_when_no_modifiers_then_project_timezone_cells(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"query_rejects_unknown_fields": True, "query_ignore_tz_modifier": False})
    body = api("POST", f"/api/projects/{NEW_YORK}/query/", json=hogql(SQL)).json()
    assert body["timezone"] == "America/New_York"
    assert body["results"][0][0][-6:] in ("-04:00", "-05:00")


@pytest.mark.parametrize(
    ("argv", "check"),
    [
        ([], lambda s: not s.quirks.query_rejects_unknown_fields and s.limits.query_cost.time_limit_s is None),
        (["--old-instance"], lambda s: s.quirks.query_rejects_unknown_fields),
        (["--duplicate-rows", "0.01"], lambda s: s.quirks.duplicate_rows == 0.01),
        (["--real-cost"], lambda s: (s.limits.query_cost.time_limit_s, s.limits.query_cost.sleep) == (10.0, True)),
        (["--real-cost", "--time-scale", "0.1"], lambda s: s.limits.query_cost.time_limit_s == pytest.approx(1.0)),
        (["--real-limits", "--time-scale", "0.1"], lambda s: s.limits.query_queue_s == pytest.approx(3.0)),
        (
            ["--real-cost", "--cost-row-scale", "100"],
            lambda s: s.limits.query_cost.per_matched_row_s == pytest.approx(3e-5),
        ),
    ],
)
def test_given_cli_flags_when_parsed_then_settings(argv: list[str], check: Callable[[EmulatorSettings], bool]) -> None:
    assert check(settings_from(parse_args(argv)))


def test_given_query_quota_spent_when_queried_then_402_quota_limit_exceeded_and_off_again(
    api: Api, emu: Emulator
) -> None:
    emu.configure(quirks={"query_quota_exceeded": True})
    refused = api("POST", f"/api/projects/{NEW_YORK}/query/", json=UTC_BODY)
    emu.configure(quirks={"query_quota_exceeded": False})
    answered = api("POST", f"/api/projects/{NEW_YORK}/query/", json=UTC_BODY)
    assert (refused.status_code, refused.json()["code"]) == (402, "quota_limit_exceeded")
    assert answered.status_code == 200
