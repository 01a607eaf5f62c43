"""HogQL tables hold only PostHog's columns (hogql/schema.SOURCES); an unknown column is PostHog's 400."""

import pytest

from posthog_emulator.hogql import evaluate
from posthog_emulator.hogql.schema import POSTHOG_COLUMNS, SOURCES
from posthog_emulator.tables.rows import TABLES
from posthog_emulator.tests.conftest import MAIN, Api, hogql


def unresolved(name: str) -> dict[str, object]:
    return {"type": "validation_error", "code": "hogql_query_error", "detail": f"Unable to resolve field: {name}"}


def test_given_served_tables_when_compared_then_every_column_is_posthogs() -> None:
    assert set(TABLES) | {"events"} == set(POSTHOG_COLUMNS) == set(SOURCES)
    for table, (types, _rows) in TABLES.items():
        assert set(types) <= POSTHOG_COLUMNS[table], table
    assert set(evaluate.COLUMNS) <= POSTHOG_COLUMNS["events"]
    assert "person_id" not in POSTHOG_COLUMNS["sessions"]


def post(api: Api, sql: str) -> tuple[int, dict[str, object]]:
    response = api("POST", f"/api/projects/{MAIN}/query/", json=hogql(sql))
    return response.status_code, response.json()


@pytest.mark.parametrize("table", sorted(POSTHOG_COLUMNS))
def test_given_unknown_column_when_selected_then_posthogs_400(api: Api, table: str) -> None:
    assert post(api, f"SELECT nope FROM {table} LIMIT 1") == (400, {**unresolved("nope"), "attr": None})  # noqa: S608


def test_given_person_id_on_sessions_when_selected_then_400_as_v2_has_none(api: Api) -> None:
    status, body = post(api, "SELECT session_id, person_id FROM sessions ORDER BY session_id LIMIT 1")

    assert (status, body["code"], body["detail"]) == (400, "hogql_query_error", "Unable to resolve field: person_id")


def test_given_unknown_column_in_where_when_queried_then_400(api: Api) -> None:
    status, body = post(api, "SELECT id FROM persons WHERE nope > 1 ORDER BY id LIMIT 1")

    assert (status, body["detail"]) == (400, "Unable to resolve field: nope")


@pytest.mark.parametrize(
    ("sql", "name"),
    [("SELECT $window_id FROM events LIMIT 1", "$window_id"), ("SELECT team_id FROM groups LIMIT 1", "team_id")],
)
def test_given_posthog_column_the_emulator_lacks_when_selected_then_distinct_400(api: Api, sql: str, name: str) -> None:
    status, body = post(api, sql)

    assert (status, body["code"]) == (400, "emulator_unsupported")
    assert f"`{name}`" in str(body["detail"])
