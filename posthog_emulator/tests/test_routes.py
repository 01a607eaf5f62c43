"""The route table and the list facts checked in PostHog's code for issue 22 (see routes.py for sources)."""

from pathlib import Path

import pytest

from posthog_emulator import Emulator
from posthog_emulator.server.routes import ROUTES, route_rows
from posthog_emulator.tests.conftest import MAIN, Api

SESSION_NAMES = {"$entry_current_url", "$channel_type", "$session_duration", "$pageview_count", "$is_bounce"}


def test_given_route_table_when_read_then_every_route_has_source_and_kinds() -> None:
    assert all(r.source and set(r.kinds) <= {"cloud", "foss", "old"} and r.kinds for r in ROUTES)
    assert {r.template.rsplit("/", 1)[-1] for r in ROUTES if r.ee_only} == {"experiments", "groups_types"}
    assert any(row[1].endswith("/early_access_feature") for row in route_rows())
    assert not any(row[1].endswith("/early_access_features") for row in route_rows())


def _order(api: Api, params: dict[str, str]) -> list[tuple[bool, str]]:
    rows = api("GET", f"/api/projects/{MAIN}/dashboards/", params={"limit": "100", **params}).json()["results"]
    return [(not d["pinned"], d["name"]) for d in rows]


def test_given_dashboards_when_listed_then_pinned_first_then_name_and_ordering_ignored(api: Api) -> None:
    default = _order(api, {})

    assert default == sorted(default)
    assert _order(api, {"ordering": "-name"}) == default
    assert _order(api, {"ordering": "id"}) == default


def test_given_dashboards_sharing_pinned_and_name_when_listed_again_then_ties_reorder(api: Api, emu: Emulator) -> None:
    def ids() -> list[int]:
        return [d["id"] for d in api("GET", f"/api/projects/{MAIN}/dashboards/").json()["results"]]

    assert len({tuple(ids()) for _ in range(12)}) > 1
    emu.configure(quirks={"dashboards_unstable_ties": False})
    assert len({tuple(ids()) for _ in range(5)}) == 1


def test_given_type_session_when_property_definitions_listed_then_session_properties(api: Api) -> None:
    body = api("GET", f"/api/projects/{MAIN}/property_definitions/", params={"type": "session"}).json()

    assert {p["name"] for p in body["results"]} == SESSION_NAMES
    assert body["count"] == len(SESSION_NAMES)
    duration = next(p for p in body["results"] if p["name"] == "$session_duration")
    assert (duration["property_type"], duration["is_numerical"]) == ("Duration", True)


@pytest.mark.parametrize(
    ("params", "detail"),
    [
        ({"type": "group"}, "`group_type_index` must be set for `group` type"),
        ({"type": "group", "group_type_index": "5"}, "Invalid value for `group_type_index`"),
        ({"type": "session", "group_type_index": "0"}, "`group_type_index` can only set for `group` type"),
    ],
)
def test_given_bad_group_type_index_when_property_definitions_listed_then_400(
    api: Api, params: dict[str, str], detail: str
) -> None:
    response = api("GET", f"/api/projects/{MAIN}/property_definitions/", params=params)

    assert (response.status_code, response.json()["detail"]) == (400, detail)


def test_given_group_type_index_0_to_4_when_listed_then_200(api: Api) -> None:
    for index in range(5):
        params = {"type": "group", "group_type_index": str(index)}
        assert api("GET", f"/api/projects/{MAIN}/property_definitions/", params=params).status_code == 200


def test_given_recordings_list_when_no_limit_then_50_and_three_keys(api: Api) -> None:
    params = {"date_from": "2020-01-01T00:00:00Z"}
    body = api("GET", f"/api/projects/{MAIN}/session_recordings/", params=params).json()

    assert set(body) == {"results", "has_next", "version"}
    assert len(body["results"]) == 50 or not body["has_next"]


def test_given_docs_when_read_then_every_route_listed_with_its_kinds() -> None:
    docs = (Path(__file__).parents[2] / "docs" / "posthog-sources.md").read_text()

    for _methods, template, kinds, _source in route_rows():
        assert f"| `{template}/` | {kinds} |" in docs
