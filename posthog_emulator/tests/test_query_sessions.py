"""The HogQL `sessions` table: sessions cut from the events, late events, keyset pages, `$` names."""

from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from posthog_emulator import Emulator
from posthog_emulator.hogql.lex import tokenize
from posthog_emulator.hogql.parse import parse_select
from posthog_emulator.tests.conftest import EMPTY, MAIN, NEW_YORK, Api, hogql, session_for

COLUMNS = (
    "session_id, distinct_id, $start_timestamp, $end_timestamp, $entry_current_url, $entry_pathname, "
    "$end_current_url, $end_pathname, $entry_referring_domain, $entry_utm_source, $entry_utm_campaign, "
    "$entry_utm_medium, $entry_utm_term, $entry_utm_content, $entry_gclid, $entry_fbclid, $channel_type, "
    "$session_duration, $is_bounce, $pageview_count, $autocapture_count, $screen_count, $num_uniq_urls"
)
NAMES = [c.strip() for c in COLUMNS.split(",")]
WINDOW = "$start_timestamp >= toDateTime64({start}, 6, 'UTC') AND $start_timestamp < toDateTime64({end}, 6, 'UTC')"
AFTER = (
    " AND (($start_timestamp > toDateTime64({after_$start_timestamp}, 6, 'UTC')) OR "
    "($start_timestamp = toDateTime64({after_$start_timestamp}, 6, 'UTC') AND session_id > {after_session_id}))"
)
ORDER = " ORDER BY $start_timestamp ASC, session_id ASC LIMIT {limit}"
SPAN = {"start": "2020-01-01T00:00:00Z", "end": "2030-01-01T00:00:00Z"}
T0 = datetime(2026, 10, 1, 10, 0, tzinfo=UTC)
USER = "sessions-test-user"


def keyset_read(post: Any, page: int, span: dict[str, str] = SPAN) -> list[list[Any]]:
    """Every session in `span`, paged on ($start_timestamp, session_id) as the connector pages it."""
    rows: list[list[Any]] = []
    last: list[Any] | None = None
    while True:
        after = {} if last is None else {"after_$start_timestamp": last[3], "after_session_id": last[0]}
        sql = f"SELECT {COLUMNS} FROM sessions WHERE {WINDOW}{AFTER if last else ''}{ORDER.format(limit=page)}"  # noqa: S608
        body = post(hogql(sql, span | after))
        rows += body["results"]
        if len(body["results"]) < page:
            return rows
        last = body["results"][-1]


def poster(emulator: Emulator, pid: int = MAIN) -> Any:
    s = session_for(emulator)

    def post(body: dict[str, object]) -> Any:
        response = s.post(f"{emulator.base_url}/api/projects/{pid}/query/", json=body, timeout=30)
        assert response.status_code == 200, response.text
        return response.json()

    return post


def sessions_of(emulator: Emulator, distinct_id: str) -> list[dict[str, Any]]:
    """The user's sessions as dicts keyed by column name, oldest first."""
    sql = f"SELECT {COLUMNS} FROM sessions WHERE distinct_id = {{d}} ORDER BY $start_timestamp, session_id LIMIT 100"  # noqa: S608
    body = poster(emulator)(hogql(sql, {"d": distinct_id}, modifiers={"convertToProjectTimezone": False}))
    return [dict(zip(body["columns"], row, strict=True)) for row in body["results"]]


def visits(*minutes: float, event: str = "$pageview", created_at: datetime | None = None) -> list[dict[str, Any]]:
    """Events of USER at T0 + each offset, with their own page."""
    return [
        {
            "timestamp": T0 + timedelta(minutes=m),
            "event": event,
            "distinct_id": USER,
            "properties": {"$current_url": f"https://example.com/p{k}", "$pathname": f"/p{k}"},
            **({"created_at": created_at} if created_at else {}),
        }
        for k, m in enumerate(minutes)
    ]


def test_dollar_identifiers_and_placeholders_parse() -> None:
    sql = f"SELECT $start_timestamp AS s, session_id FROM sessions WHERE 1 = 1{AFTER}"  # noqa: S608
    query = parse_select(sql, {"after_$start_timestamp": "2026-01-01T00:00:00Z", "after_session_id": "x"})
    assert query.columns[0][0].value == ("$start_timestamp",)
    assert ("ph", "{after_$start_timestamp}") in [(kind, text) for kind, text, _pos in tokenize(AFTER)]


def test_sessions_split_after_30_idle_minutes(fresh: Emulator) -> None:
    fresh.append_events(MAIN, visits(0, 10, 39, 70, 71))  # gaps of 10, 29, 31 and 1 minutes
    first, second = sessions_of(fresh, USER)
    assert (first["$start_timestamp"], first["$end_timestamp"]) == (
        "2026-10-01T10:00:00.000000Z",
        "2026-10-01T10:39:00.000000Z",
    )
    assert (first["$pageview_count"], first["$num_uniq_urls"], first["$session_duration"]) == (3, 3, 39 * 60)
    assert (first["$entry_pathname"], first["$end_current_url"]) == ("/p0", "https://example.com/p2")
    assert first["$is_bounce"] is False
    assert (second["$entry_pathname"], second["$end_pathname"], second["$session_duration"]) == ("/p3", "/p4", 60)
    assert first["session_id"] < second["session_id"]
    assert first["session_id"].startswith(f"{int(T0.timestamp() * 1000):012x}"[:8])
    assert {first["session_id"], second["session_id"]} <= set(fresh.truth("sessions")[MAIN])


def test_a_session_ends_after_24_hours(fresh: Emulator) -> None:
    fresh.append_events(MAIN, visits(*range(0, 25 * 60, 20)))
    first, second = sessions_of(fresh, USER)
    assert first["$session_duration"] == 24 * 3600
    assert second["$start_timestamp"] == "2026-10-02T10:20:00.000000Z"


def test_late_events_extend_and_create_sessions(fresh: Emulator) -> None:
    fresh.append_events(MAIN, visits(0))
    (alone,) = sessions_of(fresh, USER)
    assert (alone["$session_duration"], alone["$is_bounce"]) == (0, True)
    before = set(fresh.truth("sessions")[MAIN])
    late = datetime.now(UTC)  # ingested now, stamped weeks ago: sessions count it all the same
    fresh.append_events(MAIN, visits(0, 25, event="$autocapture", created_at=late)[1:])
    (extended,) = sessions_of(fresh, USER)
    assert extended["session_id"] == alone["session_id"]
    assert (extended["$session_duration"], extended["$autocapture_count"], extended["$is_bounce"]) == (1500, 1, False)
    assert set(fresh.truth("sessions")[MAIN]) == before
    fresh.append_events(MAIN, visits(0, 0, 300, created_at=late)[2:])
    assert len(sessions_of(fresh, USER)) == 2
    assert len(set(fresh.truth("sessions")[MAIN]) - before) == 1


def test_keyset_pages_return_every_session_once(emu: Emulator) -> None:
    rows = keyset_read(poster(emu, NEW_YORK), 97)  # project timezone: cursors come back with an offset
    ids = [row[0] for row in rows]
    assert sorted(ids) == emu.truth("sessions")[NEW_YORK]
    assert len(ids) == len(set(ids))
    starts = Counter(row[3] for row in rows)
    assert max(starts.values()) > 1  # tie blocks: several sessions start in the same microsecond


def test_a_window_of_sessions_in_start_order(emu: Emulator) -> None:
    span = {"start": "2026-06-01T00:00:00Z", "end": "2026-07-01T00:00:00Z"}
    sql = f"SELECT {COLUMNS} FROM sessions WHERE {WINDOW}{ORDER.format(limit=100_000)}"  # noqa: S608
    body = poster(emu)(hogql(sql, span))
    assert body["columns"] == NAMES
    types = dict(body["types"])
    assert (types["distinct_id"], types["$session_duration"], types["$is_bounce"]) == (
        "String",
        "Int64",
        "Nullable(Bool)",
    )
    assert types["$start_timestamp"].startswith("DateTime64(6, ")
    rows = [dict(zip(NAMES, row, strict=True)) for row in body["results"]]
    assert 100 < len(rows) < len(emu.truth("sessions")[MAIN])
    assert [(r["$start_timestamp"], r["session_id"]) for r in rows] == sorted(
        (r["$start_timestamp"], r["session_id"]) for r in rows
    )
    assert all(span["start"] <= r["$start_timestamp"] < span["end"] for r in rows)
    assert len({r["$channel_type"] for r in rows}) >= 5
    paid = [r for r in rows if r["$channel_type"] == "Paid Search"]
    assert all(r["$entry_gclid"] and r["$entry_utm_medium"] == "cpc" for r in paid)
    assert all(r["$entry_gclid"] == "" for r in rows if r["$channel_type"] == "Direct")
    assert {r["$is_bounce"] for r in rows} >= {True, None}


@pytest.mark.parametrize("column", ["$session_duration", "session_id"])
def test_sessions_in_another_order(api: Api, column: str) -> None:
    sql = f"SELECT {column} FROM sessions ORDER BY {column} DESC LIMIT 5"  # noqa: S608
    body = api("POST", f"/api/projects/{MAIN}/query/", json=hogql(sql))
    values = [row[0] for row in body.json()["results"]]
    assert values == sorted(values, reverse=True)


def test_strings_compared_with_datetimes_and_uuids_are_read_as_such(emu: Emulator, api: Api) -> None:
    sql = "SELECT session_id, $start_timestamp FROM sessions WHERE $start_timestamp > '2026-10-01 00:00:00'"
    body = poster(emu)(hogql(f"{sql} ORDER BY $start_timestamp LIMIT 3", modifiers={"convertToProjectTimezone": False}))
    assert [row[1] > "2026-10-01T00:00:00Z" for row in body["results"]] == [True] * 3
    person = emu.app.rt.dataset.persons[MAIN][0]["id"]
    query = hogql("SELECT person_id FROM person_distinct_ids WHERE person_id = {p} LIMIT 9", {"p": person})
    assert {row[0] for row in poster(emu)(query)["results"]} == {person}
    bad = hogql("SELECT session_id FROM sessions WHERE $start_timestamp > 'soon' LIMIT 1")
    assert api("POST", f"/api/projects/{MAIN}/query/", json=bad).status_code == 400


def test_an_empty_project_has_no_sessions(emu: Emulator) -> None:
    body = poster(emu, EMPTY)(hogql("SELECT session_id, $is_bounce FROM sessions ORDER BY $start_timestamp LIMIT 5"))
    assert body["results"] == []
    assert emu.truth("sessions")[EMPTY] == []
