"""Offset-paginated lists and their quirks: annotations, cohorts, flags, insights, persons, projects."""

import re
from typing import Any

from posthog_emulator import Emulator
from posthog_emulator.tests.conftest import MAIN, NEW_YORK, Api, Params, session_for

DRF_Z = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?Z$")


def read_all(api: Api, path: str, params: Params) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    body = api("GET", path, params=params).json()
    rows += body["results"]
    while body["next"]:
        body = api("GET", body["next"]).json()
        rows += body["results"]
    return rows


def test_given_projects_when_listing_then_drf_page_with_timezones(api: Api, emu: Emulator) -> None:
    body = api("GET", "/api/projects/").json()
    assert body["count"] == len(emu.project_ids) == 5
    assert {p["timezone"] for p in body["results"]} >= {"UTC", "America/New_York"}


def test_given_small_limit_when_paging_then_next_and_previous_are_absolute_and_sorted(api: Api, emu: Emulator) -> None:
    body = api("GET", f"/api/projects/{MAIN}/cohorts/", params={"offset": 2, "limit": 2, "basic": "true"}).json()
    assert body["next"] == f"{emu.base_url}/api/projects/{MAIN}/cohorts/?basic=true&limit=2&offset=4"
    assert body["previous"] == f"{emu.base_url}/api/projects/{MAIN}/cohorts/?basic=true&limit=2"


def test_given_another_host_name_when_paging_then_next_uses_the_request_host(emu: Emulator) -> None:
    port = emu.base_url.rsplit(":", 1)[1]
    s = session_for(emu)
    body = s.get(
        f"{emu.base_url}/api/projects/{MAIN}/cohorts/?limit=1", headers={"Host": f"localhost:{port}"}, timeout=10
    ).json()
    assert body["next"].startswith(f"http://localhost:{port}/api/projects/{MAIN}/cohorts/")


def test_given_annotations_when_listing_then_default_page_1000_newest_first(api: Api) -> None:
    body = api("GET", f"/api/projects/{MAIN}/annotations/").json()
    markers = [a["date_marker"] for a in body["results"]]
    assert body["next"] is None
    assert len(markers) == body["count"] > 20
    assert markers == sorted(markers, reverse=True)
    assert all(DRF_Z.match(m) for m in markers)
    assert not any(a["deleted"] for a in body["results"])


def test_given_org_annotations_when_listing_each_project_then_repeated_everywhere(api: Api, emu: Emulator) -> None:
    main = read_all(api, f"/api/projects/{MAIN}/annotations/", {})
    ny = read_all(api, f"/api/projects/{NEW_YORK}/annotations/", {})
    org_main = {a["id"] for a in main if a["scope"] == "organization"}
    org_ny = {a["id"] for a in ny if a["scope"] == "organization"}
    assert org_main == org_ny
    assert len(org_main) == 3
    truth = emu.truth("annotations")
    assert org_main <= set(truth[NEW_YORK])
    assert len(emu.truth("annotations", unique=True)) < sum(len(v) for v in truth.values())


def test_given_org_quirk_off_when_listing_other_project_then_no_org_annotations(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"org_annotations_everywhere": False})
    rows = read_all(api, f"/api/projects/{NEW_YORK}/annotations/", {})
    assert not [a for a in rows if a["scope"] == "organization"]


def test_given_bad_annotation_scope_when_listing_then_400_with_attr(api: Api) -> None:
    r = api("GET", f"/api/projects/{MAIN}/annotations/", params={"scope": "everything"})
    assert r.status_code == 400
    assert r.json()["attr"] == "scope"
    assert r.json()["type"] == "validation_error"


def test_given_archived_flags_when_listing_default_then_hidden_and_archived_true_lists_only_them(
    api: Api, emu: Emulator
) -> None:
    default = read_all(api, f"/api/projects/{MAIN}/feature_flags/", {})
    archived = read_all(api, f"/api/projects/{MAIN}/feature_flags/", {"archived": "true"})
    assert default
    assert archived
    assert not any(f["archived"] for f in default)
    assert all(f["archived"] for f in archived)
    assert sorted(f["id"] for f in default + archived) == emu.truth("feature_flags")[MAIN]


def test_given_flag_quirk_off_when_listing_default_then_archived_included(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"flags_archived_hidden": False})
    rows = read_all(api, f"/api/projects/{MAIN}/feature_flags/", {})
    assert sorted(f["id"] for f in rows) == emu.truth("feature_flags")[MAIN]


def test_given_unstable_insight_order_when_paging_then_rows_lost_or_duplicated(api: Api, emu: Emulator) -> None:
    expected = emu.truth("insights")[MAIN]
    outcomes = [
        sorted(i["id"] for i in read_all(api, f"/api/projects/{MAIN}/insights/", {"limit": 3})) for _ in range(5)
    ]
    assert any(ids != expected for ids in outcomes)
    stable = read_all(api, f"/api/projects/{MAIN}/insights/", {"limit": 3, "order": "id", "basic": "true"})
    assert [i["id"] for i in stable] == expected
    assert "result" not in stable[0]


def test_given_insight_quirk_off_when_paging_then_complete(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"insights_unstable_order": False})
    rows = read_all(api, f"/api/projects/{MAIN}/insights/", {"limit": 3})
    assert [i["id"] for i in rows] == emu.truth("insights")[MAIN]


def test_given_cohorts_when_basic_or_long_search_then_fields_dropped_or_400(api: Api) -> None:
    basic = api("GET", f"/api/projects/{MAIN}/cohorts/", params={"basic": "true"}).json()["results"][0]
    assert "filters" not in basic
    assert "groups" not in basic
    r = api("GET", f"/api/projects/{MAIN}/cohorts/", params={"search": "x" * 201})
    assert r.status_code == 400
    assert r.json()["attr"] == "search"


def test_given_persons_when_paging_then_no_count_short_pages_still_have_next(api: Api, emu: Emulator) -> None:
    page = api("GET", f"/api/projects/{MAIN}/persons/", params={"limit": 100}).json()
    assert "count" not in page
    assert set(page) == {"results", "next", "previous"}
    assert len(page["results"]) < 100
    assert page["next"] is not None
    rows = read_all(api, f"/api/projects/{MAIN}/persons/", {"limit": 100})
    emu.configure(quirks={"query_api_available": False})  # the truth of a sync that reads this list
    assert sorted(p["id"] for p in rows) == emu.truth("persons")[MAIN]
    assert len(rows) < len(emu.truth("persons_table")[MAIN])  # through /query/, every person
    assert rows[0]["id"] == rows[0]["uuid"]
    assert rows[0]["created_at"].endswith("Z")
    created = [p["created_at"] for p in rows]
    assert created == sorted(created, reverse=True)


def test_given_total_multiple_of_limit_when_paging_persons_then_last_page_empty(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"persons_short_pages": False})
    total = len(emu.truth("persons")[MAIN])
    last = api("GET", f"/api/projects/{MAIN}/persons/", params={"limit": total}).json()
    assert len(last["results"]) == total
    assert last["next"] is not None
    final = api("GET", last["next"]).json()
    assert final["results"] == []
    assert final["next"] is None


def test_given_short_page_quirk_off_when_reading_page_then_full(api: Api, emu: Emulator) -> None:
    emu.configure(quirks={"persons_short_pages": False})
    page = api("GET", f"/api/projects/{MAIN}/persons/", params={"limit": 100}).json()
    assert len(page["results"]) == 100
