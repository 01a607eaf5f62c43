"""Legacy GET /events/: every §6.7 rule reproduced, and each quirk switchable off."""

import time
from datetime import datetime, timedelta
from typing import Any
from urllib.parse import unquote

import orjson
import pytest
import requests

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import END, MAIN, Api, Params, session_for

ASC = orjson.dumps(["timestamp"]).decode()


def follow(
    s: requests.Session, url: str, params: Params | None = None, max_pages: int = 200
) -> tuple[list[dict[str, Any]], int]:
    rows: list[dict[str, Any]] = []
    body = s.get(url, params=params, timeout=30).json()
    pages = 1
    rows += body["results"]
    while body["next"] and pages < max_pages:
        body = s.get(body["next"], timeout=30).json()
        rows += body["results"]
        pages += 1
    return rows, pages


def shift(iso: str, seconds: float) -> str:
    return (datetime.fromisoformat(iso) + timedelta(seconds=seconds)).isoformat()


def tie_block(emu: Emulator) -> tuple[str, int]:
    return next((ts, n) for ts, n in emu.tie_blocks(MAIN, 1001))


def window_ids(emu: Emulator, after: str, before: str) -> set[str]:
    store = emu.app.rt.dataset.events[MAIN]
    lo = datetime.fromisoformat(after).timestamp() * 1e6
    hi = datetime.fromisoformat(before).timestamp() * 1e6
    return {store.uuid(i) for i in range(len(store)) if lo < store.ts[i] < hi}


def test_given_tie_block_bigger_than_page_when_reading_ascending_then_rows_lost(emu: Emulator) -> None:
    ts, size = tie_block(emu)
    after, before = shift(ts, -1), shift(ts, 1)
    rows, _ = follow(
        session_for(emu),
        f"{emu.base_url}/api/projects/{MAIN}/events/",
        {"after": after, "before": before, "orderBy": ASC, "limit": 1000},
    )
    expected = window_ids(emu, after, before)
    got = {r["id"] for r in rows}
    assert got < expected
    assert len(expected - got) >= size - 1000  # everything past the first page of the tie is gone


def test_given_tie_loss_off_when_reading_ascending_then_complete(emu: Emulator) -> None:
    emu.configure(quirks={"events_tie_loss": False})
    ts, _ = tie_block(emu)
    after, before = shift(ts, -1), shift(ts, 1)
    rows, _ = follow(
        session_for(emu),
        f"{emu.base_url}/api/projects/{MAIN}/events/",
        {"after": after, "before": before, "orderBy": ASC, "limit": 1000},
    )
    assert sorted(r["id"] for r in rows) == sorted(window_ids(emu, after, before))


def test_given_window_with_half_a_page_when_reading_descending_then_next_null_early(fresh: Emulator) -> None:
    before = END + timedelta(days=1)
    recent = [{"timestamp": before - timedelta(seconds=1 + k / 10)} for k in range(70)]
    older = [{"timestamp": before - timedelta(hours=2, minutes=k)} for k in range(200)]
    added = fresh.append_events(MAIN, recent + older)
    params: Params = {"after": (before - timedelta(days=5)).isoformat(), "before": before.isoformat(), "limit": 100}
    s = session_for(fresh)
    body = s.get(f"{fresh.base_url}/api/projects/{MAIN}/events/", params=params, timeout=10).json()
    assert len(body["results"]) == 70
    assert body["next"] is None
    fresh.configure(quirks={"events_window_probing": False})
    rows, _ = follow(s, f"{fresh.base_url}/api/projects/{MAIN}/events/", params)
    assert set(added) <= {r["id"] for r in rows}


def test_given_limit_above_1000_when_listing_then_silently_clamped(api: Api, emu: Emulator) -> None:
    params: Params = {
        "after": shift(END.isoformat(), -300 * 86400),
        "before": END.isoformat(),
        "orderBy": ASC,
        "limit": 5000,
    }
    assert len(api("GET", f"/api/projects/{MAIN}/events/", params=params).json()["results"]) == 1000
    emu.configure(quirks={"events_limit_clamp": None})
    assert len(api("GET", f"/api/projects/{MAIN}/events/", params=params).json()["results"]) == 5000


def midnight(emu: Emulator) -> str:
    return next(ts for ts, _ in emu.tie_blocks(MAIN, 2) if ts.endswith("T00:00:00+00:00"))


def test_given_events_at_after_when_listing_then_after_is_exclusive(api: Api, emu: Emulator) -> None:
    at = midnight(emu)
    params: Params = {"after": at, "before": shift(at, 60 * 86400), "orderBy": ASC, "limit": 5}
    first = api("GET", f"/api/projects/{MAIN}/events/", params=params).json()["results"][0]
    assert first["timestamp"] > at
    emu.configure(quirks={"events_exclusive_after": False})
    first = api("GET", f"/api/projects/{MAIN}/events/", params=params).json()["results"][0]
    assert first["timestamp"] == at


def test_given_offset_when_listing_then_penalty_warning_and_cap(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"events_offset_penalty_s": 0.3})
    started = time.monotonic()
    r = api("GET", f"/api/projects/{MAIN}/events/", params={"offset": 1})
    assert time.monotonic() - started >= 0.3
    assert "X-PostHog-Warn" in r.headers
    capped = api("GET", f"/api/projects/{MAIN}/events/", params={"offset": 50_001})
    assert capped.status_code == 400
    assert capped.json()["detail"] == "Offset is deprecated. Max supported offset value is 50000"
    emu.configure(quirks={"events_offset_cap": None})
    assert api("GET", f"/api/projects/{MAIN}/events/", params={"offset": 50_001}).status_code == 200


def test_given_span_over_366_days_when_listing_then_500(api: Api, emu: Emulator) -> None:
    params: Params = {"after": shift(END.isoformat(), -367 * 86400), "before": END.isoformat()}
    r = api("GET", f"/api/projects/{MAIN}/events/", params=params)
    assert r.status_code == 500
    assert r.json()["type"] == "server_error"
    emu.configure(quirks={"events_max_span_days": None})
    assert api("GET", f"/api/projects/{MAIN}/events/", params=params).status_code == 200


def test_given_no_after_when_listing_then_defaults_to_24h_before(api: Api, emu: Emulator) -> None:
    params: Params = {"before": END.isoformat(), "orderBy": ASC, "limit": 1000}
    rows = api("GET", f"/api/projects/{MAIN}/events/", params=params).json()["results"]
    assert rows
    assert all(r["timestamp"] >= shift(END.isoformat(), -86400) for r in rows)
    emu.configure(quirks={"events_after_default_24h": False})
    first = api("GET", f"/api/projects/{MAIN}/events/", params=params).json()["results"][0]
    assert first["timestamp"] < shift(END.isoformat(), -365 * 86400)


def test_given_non_integer_limit_when_listing_then_500(api: Api) -> None:
    assert api("GET", f"/api/projects/{MAIN}/events/", params={"limit": "ten"}).status_code == 500


@pytest.mark.parametrize(
    ("order_by", "descending"), [(None, True), ('["-timestamp"]', True), ('["timestamp"]', False), ('["event"]', False)]
)
def test_given_order_by_when_listing_then_only_exact_minus_timestamp_is_descending(
    api: Api, order_by: str | None, descending: bool
) -> None:
    params: dict[str, str | int] = {
        "after": shift(END.isoformat(), -30 * 86400),
        "before": END.isoformat(),
        "limit": 50,
    }
    if order_by:
        params["orderBy"] = order_by
    stamps = [r["timestamp"] for r in api("GET", f"/api/projects/{MAIN}/events/", params=params).json()["results"]]
    assert stamps == sorted(stamps, reverse=descending)


def test_given_next_when_listing_then_own_params_plus_last_timestamp(api: Api, emu: Emulator) -> None:
    params: Params = {
        "after": shift(END.isoformat(), -300 * 86400),
        "before": END.isoformat(),
        "orderBy": ASC,
        "limit": 3,
        "event": "$pageview",
    }
    body = api("GET", f"/api/projects/{MAIN}/events/", params=params).json()
    last = body["results"][-1]["timestamp"]
    assert body["next"].startswith(f"{emu.base_url}/api/projects/{MAIN}/events/?after=")
    assert unquote(body["next"]).split("after=")[1].split("&")[0] == last
    assert "event=%24pageview" in body["next"]
    assert all(r["event"] == "$pageview" for r in body["results"])


def test_given_rows_when_listing_then_shapes_match_legacy_output(api: Api) -> None:
    params: Params = {
        "after": shift(END.isoformat(), -300 * 86400),
        "before": END.isoformat(),
        "orderBy": ASC,
        "limit": 1000,
        "include_person": "true",
    }
    rows = api("GET", f"/api/projects/{MAIN}/events/", params=params).json()["results"]
    assert all(r["timestamp"].endswith("+00:00") for r in rows)
    assert any("." not in r["timestamp"] for r in rows)  # whole seconds drop the fraction
    auto = next(r for r in rows if r["elements_chain"])
    assert auto["elements"][0]["tag_name"]
    assert auto["elements"][0]["order"] == 0
    assert any(r["properties"].get("plan") == "pro" for r in rows)  # '"pro"' loses its quotes
    person = next(r["person"] for r in rows if r["person"])
    assert set(person) == {"is_identified", "distinct_ids", "properties"}
    assert len(person["distinct_ids"]) == 1


def test_given_malformed_event_id_when_fetching_then_legacy_400(api: Api) -> None:
    r = api("GET", f"/api/projects/{MAIN}/events/not-a-uuid/")
    assert r.status_code == 400
    assert r.json() == {"detail": "Invalid UUID", "code": "invalid", "type": "validation_error"}
