"""The newer lists as PostHog serves them: actions, dashboards, experiments, surveys, early-access features,
event and property definitions, session recordings; and their scopes."""

from collections.abc import Callable
from typing import Any

import pytest
import requests

from posthog_emulator import Emulator
from posthog_emulator.common.timefmt import drf
from posthog_emulator.tests.conftest import EMPTY, MAIN, session_for
from posthog_emulator.tests.test_lists import read_all

Api = Callable[..., requests.Response]
SCOPES = {
    "actions": "action:read",
    "dashboards": "dashboard:read",
    "experiments": "experiment:read",
    "surveys": "survey:read",
    "early_access_feature": "early_access_feature:read",  # singular (products/early_access_features/backend/routes.py)
    "event_definitions": "event_definition:read",
    "property_definitions": "property_definition:read",
    "session_recordings": "session_recording:read",
}
WHOLE = {"date_from": "2020-01-01T00:00:00Z", "date_to": "2030-01-01T00:00:00Z", "offset": 0}


def entities(emu: Emulator, stream: str) -> list[dict[str, Any]]:
    return list(emu.app.rt.dataset.entities[MAIN][stream])


class TestLists:
    def test_given_actions_when_listed_then_one_unpaginated_answer_without_deleted(
        self, api: Api, emu: Emulator
    ) -> None:
        body = api("GET", f"/api/projects/{MAIN}/actions/", params={"limit": 2}).json()

        assert set(body) == {"results"}
        assert [a["id"] for a in body["results"]] != sorted(a["id"] for a in body["results"])  # calculation order
        assert sorted(a["id"] for a in body["results"]) == emu.truth("actions")[MAIN]
        assert any(a["deleted"] for a in entities(emu, "actions"))

    def test_given_dashboards_when_listed_then_no_tiles_and_insights_name_them(self, api: Api, emu: Emulator) -> None:
        dashboards = read_all(api, f"/api/projects/{MAIN}/dashboards/", {"limit": 100})  # one page: ties reorder
        insights = read_all(api, f"/api/projects/{MAIN}/insights/", {"basic": "true"})

        assert sorted(d["id"] for d in dashboards) == emu.truth("dashboards")[MAIN]
        assert all("tiles" not in d and not d["deleted"] for d in dashboards)
        named = {dashboard for insight in insights for dashboard in insight["dashboards"]}
        assert named & {d["id"] for d in dashboards}

    def test_given_archived_experiments_when_listed_then_only_with_archived_true_and_only_them(self, api: Api) -> None:
        default = read_all(api, f"/api/projects/{MAIN}/experiments/", {})
        archived = read_all(api, f"/api/projects/{MAIN}/experiments/", {"archived": "true"})

        assert default
        assert archived
        assert not any(e["archived"] for e in default)
        assert all(e["archived"] for e in archived)

    def test_given_unknown_experiment_order_when_listed_then_400(self, api: Api) -> None:
        response = api("GET", f"/api/projects/{MAIN}/experiments/", params={"order": "nope"})

        assert (response.status_code, response.json()["detail"]) == (400, "Invalid order field: 'nope'")

    @pytest.mark.parametrize(
        ("route", "stream"), [("surveys", "surveys"), ("early_access_feature", "early_access_features")]
    )
    def test_given_archived_members_when_listed_then_included(
        self, api: Api, emu: Emulator, route: str, stream: str
    ) -> None:
        rows = read_all(api, f"/api/projects/{MAIN}/{route}/", {"limit": 2})

        assert sorted(r["id"] for r in rows) == emu.truth(stream)[MAIN]
        assert any(r.get("archived") or r.get("stage") == "archived" for r in rows)


class TestDefinitions:
    def test_given_ordering_name_when_event_definitions_listed_then_by_name_with_count(self, api: Api) -> None:
        body = api("GET", f"/api/projects/{MAIN}/event_definitions/", params={"ordering": "name"}).json()

        names = [d["name"] for d in body["results"]]
        assert names == sorted(names)
        assert body["count"] == len(names)
        assert "$pageview" in names

    def test_given_event_properties_when_listed_then_always_excluded_names_never_shown(self, api: Api) -> None:
        rows = read_all(api, f"/api/projects/{MAIN}/property_definitions/", {"type": "event", "limit": 3})

        names = {r["name"] for r in rows}
        assert "$browser" in names
        assert not names & {"$set", "$set_once", "distinct_id", "$groups"}

    def test_given_person_properties_when_paged_then_virtual_ones_end_the_last_page_and_count(self, api: Api) -> None:
        path = f"/api/projects/{MAIN}/property_definitions/"
        first = api("GET", path, params={"type": "person", "limit": 3}).json()
        rows = read_all(api, path, {"type": "person", "limit": 3})

        assert first["count"] == len(rows)
        assert not any(r.get("virtual") for r in first["results"])
        assert [r["id"] for r in rows if r.get("virtual")] == [r["id"] for r in rows[-2:]]
        assert all(str(r["id"]).startswith("$builtin_") for r in rows[-2:])

    def test_given_group_index_without_group_type_when_listed_then_only_virtual_ones(self, api: Api) -> None:
        body = api(
            "GET", f"/api/projects/{MAIN}/property_definitions/", params={"type": "group", "group_type_index": 4}
        ).json()

        assert body["results"]
        assert all(r["virtual"] for r in body["results"])

    @pytest.mark.parametrize(
        ("params", "detail"),
        [
            ({"type": "group"}, "`group_type_index` must be set for `group` type"),
            ({"type": "group", "group_type_index": 5}, "Invalid value for `group_type_index`"),
            ({"type": "person", "group_type_index": 0}, "`group_type_index` can only set for `group` type"),
            ({"type": "cohort"}, '"cohort" is not a valid choice.'),
        ],
    )
    def test_given_bad_kind_when_property_definitions_listed_then_400(
        self, api: Api, params: dict[str, object], detail: str
    ) -> None:
        response = api("GET", f"/api/projects/{MAIN}/property_definitions/", params=params)

        assert (response.status_code, response.json()["detail"]) == (400, detail)


class TestRecordings:
    def test_given_no_date_from_when_listed_then_only_the_last_three_days(self, api: Api, emu: Emulator) -> None:
        recent = api("GET", f"/api/projects/{MAIN}/session_recordings/", params={"limit": 100}).json()["results"]

        assert len(recent) < len(emu.truth("session_recordings")[MAIN])

    def test_given_offset_pages_when_listed_then_has_next_and_every_recording_once(
        self, api: Api, emu: Emulator
    ) -> None:
        seen: list[str] = []
        body: dict[str, Any] = {"has_next": True}
        while body["has_next"]:
            params = {**WHOLE, "offset": len(seen), "limit": 7, "order": "start_time", "order_direction": "ASC"}
            body = api("GET", f"/api/projects/{MAIN}/session_recordings/", params=params).json()
            assert "next" not in body
            assert body["version"] == 4
            seen += [r["id"] for r in body["results"]]

        assert sorted(seen) == emu.truth("session_recordings")[MAIN]

    def test_given_date_from_inside_a_recording_when_listed_then_it_comes_back_cut(
        self, api: Api, emu: Emulator
    ) -> None:
        listed = set(emu.truth("session_recordings")[MAIN])
        recording = next(
            r for r in entities(emu, "session_recordings") if r["session_id"] in listed and len(r["_blocks"]) > 1
        )
        second_block = drf(recording["_blocks"][1][0])
        params = {**WHOLE, "date_from": second_block, "limit": 100}

        rows = api("GET", f"/api/projects/{MAIN}/session_recordings/", params=params).json()["results"]

        (cut,) = [r for r in rows if r["id"] == recording["session_id"]]
        assert cut["start_time"] == second_block  # not the recording's own start: its first block was filtered out

    def test_given_expired_and_deleted_recordings_when_listed_then_never_shown(self, emu: Emulator) -> None:
        stored = entities(emu, "session_recordings")

        assert len(emu.truth("session_recordings")[MAIN]) < len(stored)
        assert any(r["deleted"] for r in stored)

    def test_given_project_without_persons_when_listed_then_empty(self, api: Api) -> None:
        body = api("GET", f"/api/projects/{EMPTY}/session_recordings/", params=WHOLE).json()

        assert body == {"results": [], "has_next": False, "version": 4}


@pytest.mark.parametrize(("stream", "scope"), list(SCOPES.items()))
def test_given_key_with_only_the_original_scopes_when_newer_list_read_then_403_names_scope(
    emu: Emulator, stream: str, scope: str
) -> None:
    response = session_for(emu, emu.keys["original_scopes"]).get(f"{emu.base_url}/api/projects/{MAIN}/{stream}/")

    assert response.status_code == 403
    assert response.json()["detail"] == f"API key missing required scope '{scope}'"
