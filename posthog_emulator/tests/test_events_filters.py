"""Legacy GET /events/ `properties` filters: HogQL expressions on uuid, timestamp, event, distinct_id."""

from collections.abc import Callable
from datetime import datetime, timedelta

import orjson
import pytest
import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, Api, Params

ASC = orjson.dumps(["timestamp"]).decode()
US = timedelta(microseconds=1)


def hogql_filter(expression: str) -> str:
    return orjson.dumps([{"type": "hogql", "key": expression}]).decode()


def big_tie(emu: Emulator) -> tuple[datetime, list[str]]:
    ts, _ = next(block for block in emu.tie_blocks(MAIN, 1001))
    at = datetime.fromisoformat(ts)
    return at, emu.events_at(MAIN, at)


def listed(api: Api, after: datetime, before: datetime, properties: str, limit: int = 1000) -> requests.Response:
    params: Params = {"orderBy": ASC, "after": after.isoformat(), "before": before.isoformat(), "limit": limit}
    return api("GET", f"/api/projects/{MAIN}/events/", params={**params, "properties": properties})


def window_rows(emu: Emulator, after: datetime, before: datetime) -> list[tuple[str, str, str]]:
    """(id, event, distinct_id) of every row with after < timestamp < before."""
    store = emu.app.rt.dataset.events[MAIN]
    lo, hi = after.timestamp() * 1e6, before.timestamp() * 1e6
    return [(store.uuid(i), store.event(i), store.distinct_id(i)) for i in range(len(store)) if lo < store.ts[i] < hi]


def test_given_uuid_prefix_filter_when_listing_tie_block_then_only_that_part(api: Api, emu: Emulator) -> None:
    at, ids = big_tie(emu)
    prefix = ids[0][:16]  # UUIDv7 of one millisecond: 15 shared characters, the 16th splits the block
    expected = {i for i in ids if i.startswith(prefix)}
    expression = f"toString(uuid) >= '{prefix}' AND toString(uuid) < '{prefix}g'"
    response = listed(api, at - US, at + US, hogql_filter(expression))
    assert response.status_code == 200
    body = response.json()
    assert {r["id"] for r in body["results"]} == expected
    assert 0 < len(expected) < 1000
    assert body["next"] is None


def test_given_filter_and_bounds_when_listing_then_both_apply_and_next_keeps_filter(api: Api, emu: Emulator) -> None:
    at, _ = big_tie(emu)
    after, before = at - timedelta(days=3), at - timedelta(days=1)
    rows = window_rows(emu, after, before)
    some_user = rows[0][2]
    expression = f"event = '$pageview' OR distinct_id = '{some_user}'"
    response = listed(api, after, before, hogql_filter(expression), limit=5)
    expected = [r[0] for r in rows if r[1] == "$pageview" or r[2] == some_user][:5]
    assert [r["id"] for r in response.json()["results"]] == expected
    assert "properties=" in response.json()["next"]
    assert all(r["event"] == "$pageview" or r["distinct_id"] == some_user for r in response.json()["results"])


@pytest.mark.parametrize(
    ("make_filter", "keeps"),
    [
        (lambda at: hogql_filter(f"timestamp = toDateTime64('{at.isoformat()}', 6, 'UTC')"), "tie"),
        (lambda at: hogql_filter(f"timestamp > '{at.isoformat()}'"), "after_tie"),
        (lambda at: orjson.dumps({"type": "AND", "values": [{"type": "hogql", "key": "1 = 1"}]}).decode(), "all"),
        (lambda at: orjson.dumps({"type": "OR", "values": [{"type": "hogql", "key": "1 = 0"}]}).decode(), "none"),
    ],
)
def test_given_timestamp_or_group_filter_when_listing_then_matching_rows(
    api: Api, emu: Emulator, make_filter: Callable[[datetime], str], keeps: str
) -> None:
    at, ids = big_tie(emu)
    after, before = at - timedelta(seconds=1), at + timedelta(hours=1)
    results = listed(api, after, before, make_filter(at)).json()["results"]
    stamps = {datetime.fromisoformat(r["timestamp"]) for r in results}
    expected = {"tie": {at}, "after_tie": {s for s in stamps if s > at}, "none": set()}.get(keeps)
    if keeps == "all":
        assert len(results) == 1000  # the first rows of the window, unfiltered
    else:
        assert stamps == expected
        assert keeps != "after_tie" or (results and at not in stamps)
    assert keeps != "tie" or {r["id"] for r in results} <= set(ids)


@pytest.mark.parametrize(
    ("properties", "detail"),
    [
        (hogql_filter("foo = 1"), "Unable to resolve field: foo"),
        (hogql_filter("properties.$browser.x.y = 'a' AND nope.deeper = 1"), "Unable to resolve field: nope.deeper"),
        (hogql_filter("event = "), "Syntax error"),
        (hogql_filter("event = 'a' 'b'"), "Syntax error"),
        (hogql_filter("event"), "boolean"),
        (hogql_filter("toString(uuid) >= unknownFn(1)"), "Unsupported function"),
        ("not json", "Properties are unparsable!"),
        (orjson.dumps([{"type": "person", "key": "email", "value": "a"}]).decode(), "not served"),
    ],
)
def test_given_bad_properties_when_listing_then_400(api: Api, emu: Emulator, properties: str, detail: str) -> None:
    at, _ = big_tie(emu)
    response = listed(api, at - US, at + US, properties)
    assert response.status_code == 400
    body = response.json()
    assert set(body) == {"type", "code", "detail", "attr"}
    assert body["type"] == "validation_error"
    assert detail in body["detail"]


def test_given_event_name_tuple_filter_when_listing_then_only_those_events_of_the_window(
    api: Api, emu: Emulator
) -> None:
    at, _ = big_tie(emu)
    after, before = at - timedelta(days=3), at + timedelta(days=3)
    expression = "event IN ('$pageview', 'it\\'s', '$autocapture') AND event NOT IN ('$autocapture')"
    emu.configure(quirks={"events_limit_clamp": None})  # one page for the whole window

    body = listed(api, after, before, hogql_filter(expression), limit=100_000).json()

    expected = sorted(row[0] for row in window_rows(emu, after, before) if row[1] == "$pageview")
    assert expected
    assert sorted(r["id"] for r in body["results"]) == expected
