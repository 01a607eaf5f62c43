"""The stream table and the REST list reader: every record once per sync, with its project_id."""

import pytest
import requests_mock as rm

from source_posthog.errors import ConfigError
from source_posthog.streams.context import ReadContext
from source_posthog.streams.query.budget import PageBudget
from source_posthog.streams.readers import read_stream
from source_posthog.streams.rest.lists import compact_key, read_rest_stream
from source_posthog.streams.table import PERSONS_LIST, STREAMS, STREAMS_BY_NAME
from unit_tests.fakes import API, Harness, page

PERSON_A = "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0d"
PERSON_B = "0190f1c2-7d1e-7a3b-9c4d-5e6f7a8b9c0e"


def context(harness: Harness, project_ids: tuple[int, ...] = (1,)) -> ReadContext:
    return harness.sync([{"id": pid} for pid in project_ids])


def first_page_limit(harness: Harness) -> str:
    """A list's first `limit`: 1,000 at most, fewer while its rows' weight is unknown (the memory budget, issue 23)."""
    config = harness.config
    return str(PageBudget(config.max_memory_mb, config.max_concurrent_queries).rows(1, "a list", 1000))


def ids(harness: Harness, stream: str) -> list[int | str]:
    return [record["id"] for record in harness.records(stream)]


class TestStreamTable:
    def test_given_table_when_inspected_then_names_unique_and_scopes_are_read_scopes(self) -> None:
        names = [stream.name for stream in STREAMS]

        assert len(names) == len(set(names)) == 20
        assert sum(stream.original for stream in STREAMS) == 7
        assert all(stream.scope.endswith(":read") for stream in STREAMS)
        assert all(int(getattr(stream.read, "params", {}).get("limit", "1000")) <= 1000 for stream in STREAMS)

    def test_given_persons_when_ordered_then_last_so_it_never_delays_events(self) -> None:
        assert STREAMS[-1].name == "persons"


class TestReadFullRefresh:
    def test_given_projects_stream_when_read_then_emits_the_sync_projects(self) -> None:
        harness = Harness()

        count = read_rest_stream(STREAMS_BY_NAME["projects"], context(harness, (1, 2)))

        assert count == 2
        assert ids(harness, "projects") == [1, 2]

    def test_given_org_annotation_listed_by_every_project_when_read_then_emitted_once_with_first_project(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        org_note = {"id": 9, "scope": "organization"}
        requests_mock.get(f"{API}/projects/1/annotations/", json=page([{"id": 1}, org_note]))
        requests_mock.get(f"{API}/projects/2/annotations/", json=page([{"id": 2}, org_note]))

        count = read_rest_stream(STREAMS_BY_NAME["annotations"], context(harness, (1, 2)))

        assert count == 3
        assert [(r["id"], r["project_id"]) for r in harness.records("annotations")] == [(1, 1), (9, 1), (2, 2)]

    def test_given_archived_flags_when_read_then_second_pass_with_archived_true_includes_them(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        flags = f"{API}/projects/1/feature_flags/"
        requests_mock.get(flags, json=page([{"id": 1, "archived": False}]))
        requests_mock.get(flags, json=page([{"id": 2, "archived": True}]), additional_matcher=archived)

        read_rest_stream(STREAMS_BY_NAME["feature_flags"], context(harness))

        assert ids(harness, "feature_flags") == [1, 2]
        assert [r.qs.get("archived") for r in requests_mock.request_history] == [None, ["true"]]

    def test_given_insights_when_read_then_basic_and_stable_order_requested(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/1/insights/", json=page([{"id": 1}]))

        read_rest_stream(STREAMS_BY_NAME["insights"], context(harness))

        limit = first_page_limit(harness)
        assert requests_mock.request_history[-1].qs == {"basic": ["true"], "order": ["id"], "limit": [limit]}

    def test_given_order_rejected_with_400_when_insights_read_then_read_again_without_order_and_deduplicated(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        insights = f"{API}/projects/1/insights/"
        rejected = {"type": "validation_error", "code": "invalid_input", "detail": "Invalid ordering", "attr": "order"}
        requests_mock.get(insights, json=page([{"id": 3}, {"id": 1}, {"id": 3}, {"id": 2}]))
        requests_mock.get(insights, status_code=400, json=rejected, additional_matcher=has_order)

        count = read_rest_stream(STREAMS_BY_NAME["insights"], context(harness))

        assert count == 3
        assert sorted(ids(harness, "insights")) == [1, 2, 3]
        assert any("order" in line and "without" in line for line in harness.logs())

    def test_given_persons_short_page_and_shifted_offsets_when_read_then_followed_and_deduplicated(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        persons = f"{API}/projects/1/persons/"
        requests_mock.get(
            persons,
            [
                {"json": page([{"id": PERSON_A}], f"{persons}?limit=2&offset=2")},  # short page, next present
                {"json": page([{"id": PERSON_A}, {"id": PERSON_B}])},  # a new person shifted A onto this page
            ],
        )

        count = read_rest_stream(PERSONS_LIST, context(harness))  # the fallback without /query/

        assert count == 2
        assert ids(harness, "persons") == [PERSON_A, PERSON_B]
        assert all(r["project_id"] == 1 for r in harness.records("persons"))

    def test_given_same_id_in_two_projects_of_unshared_stream_when_read_then_both_kept(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/1/cohorts/", json=page([{"id": 5}]))
        requests_mock.get(f"{API}/projects/2/cohorts/", json=page([{"id": 5}]))

        assert read_rest_stream(STREAMS_BY_NAME["cohorts"], context(harness, (1, 2))) == 2


class TestNewerLists:
    def test_given_property_definitions_when_read_then_one_pass_per_kind_marks_each_record(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/1/property_definitions/", json=page([{"id": "$builtin_x", "name": "x"}]))

        count = read_rest_stream(STREAMS_BY_NAME["property_definitions"], context(harness))

        kinds = [(r["type"], r["group_type_index"]) for r in harness.records("property_definitions")]
        assert count == 8  # the same virtual id under every kind is a different record
        assert kinds == [("event", -1), ("person", -1), *(("group", i) for i in range(5)), ("session", -1)]
        asked = [(r.qs["type"], r.qs.get("group_type_index")) for r in requests_mock.request_history]
        groups = [(["group"], [str(i)]) for i in range(5)]
        assert asked == [(["event"], None), (["person"], None), *groups, (["session"], None)]

    def test_given_an_instance_without_session_properties_when_read_then_that_pass_skipped_with_a_warning(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        listed = f"{API}/projects/1/property_definitions/"
        requests_mock.get(listed, json=page([{"id": "p", "name": "x"}]))
        refused = {"type": "validation_error", "code": "invalid_choice", "detail": '"session" is not a valid choice.'}
        requests_mock.get(listed, status_code=400, json=refused, additional_matcher=lambda r: "type=session" in r.url)

        assert read_rest_stream(STREAMS_BY_NAME["property_definitions"], context(harness)) == 7
        assert any("refuses" in message and "session" in message for message in harness.logs())

    def test_given_dashboards_when_read_then_insight_ids_gathered_from_the_insights_list(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/1/dashboards/", json=page([{"id": 8}, {"id": 9}]))
        insights = [{"id": 22, "dashboards": [8]}, {"id": 21, "dashboards": [8, 9]}, {"id": 23, "dashboards": []}]
        requests_mock.get(f"{API}/projects/1/insights/", json=page(insights))

        read_rest_stream(STREAMS_BY_NAME["dashboards"], context(harness))

        assert [(r["id"], r["insight_ids"]) for r in harness.records("dashboards")] == [(8, [21, 22]), (9, [21])]
        limit = first_page_limit(harness)
        assert requests_mock.request_history[0].qs == {"basic": ["true"], "order": ["id"], "limit": [limit]}

    def test_given_dashboard_tiles_when_read_then_insight_ids_from_live_tiles(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/1/dashboards/", json=page([{"id": 8}, {"id": 9}]))
        tiles = [{"id": 1, "dashboard_id": 8, "deleted": False}, {"id": 2, "dashboard_id": 9, "deleted": True}]
        insights = [{"id": 21, "dashboard_tiles": tiles}, {"id": 22, "dashboard_tiles": [], "dashboards": [9]}]
        requests_mock.get(f"{API}/projects/1/insights/", json=page(insights))

        read_rest_stream(STREAMS_BY_NAME["dashboards"], context(harness))

        assert [(r["id"], r["insight_ids"]) for r in harness.records("dashboards")] == [(8, [21]), (9, [])]

    def test_given_insights_without_either_field_when_read_then_insight_ids_null_and_a_warning(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/1/dashboards/", json=page([{"id": 8}]))
        requests_mock.get(f"{API}/projects/1/insights/", json=page([{"id": 21, "name": "no tiles said"}]))

        read_rest_stream(STREAMS_BY_NAME["dashboards"], context(harness))

        assert [r["insight_ids"] for r in harness.records("dashboards")] == [None]  # unknown, never []
        assert any("insight_ids is left null" in message for message in harness.logs())

    def test_given_more_dashboards_than_one_page_when_read_then_asked_again_in_one_page_above_the_count(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        listed = f"{API}/projects/1/dashboards/"
        first = {"count": 10_003, "next": f"{listed}?limit=10000&offset=10000", "results": [{"id": 1}]}
        whole = {"count": 10_003, "next": None, "results": [{"id": i} for i in range(10_003)]}
        requests_mock.get(listed, [{"json": first}, {"json": whole}])
        requests_mock.get(f"{API}/projects/1/insights/", json=page([]))

        assert read_rest_stream(STREAMS_BY_NAME["dashboards"], context(harness)) == 10_003
        limits = [r.qs["limit"] for r in requests_mock.request_history if "dashboards" in r.path]
        assert limits == [["10000"], ["20000"]]  # never an offset page over the tied order
        assert not any("offset" in r.qs for r in requests_mock.request_history if "dashboards" in r.path)

    def test_given_unpaginated_actions_answer_when_read_then_every_action_once(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/1/actions/", json={"results": [{"id": 1}, {"id": 2}]})

        assert read_rest_stream(STREAMS_BY_NAME["actions"], context(harness)) == 2

    def test_given_archived_experiments_when_read_then_second_pass_with_archived_true(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        experiments = f"{API}/projects/1/experiments/"
        requests_mock.get(experiments, json=page([{"id": 1, "archived": False}]))
        requests_mock.get(experiments, json=page([{"id": 2, "archived": True}]), additional_matcher=archived)

        read_rest_stream(STREAMS_BY_NAME["experiments"], context(harness))

        assert ids(harness, "experiments") == [1, 2]

    def test_given_key_without_scope_when_stream_read_then_config_error_names_stream_and_scope(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        detail = {"type": "authentication_error", "detail": "API key missing required scope 'survey:read'"}
        requests_mock.get(f"{API}/projects/1/surveys/", status_code=403, json=detail)

        with pytest.raises(ConfigError) as caught:
            read_stream(STREAMS_BY_NAME["surveys"], context(harness), "full_refresh", None)

        assert caught.value.failure_type == "config_error"
        assert "Stream surveys cannot be read: the API key lacks the scope survey:read" in caught.value.message


class TestCompactKey:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            (PERSON_A, int(PERSON_A.replace("-", ""), 16)),
            (PERSON_A.upper(), int(PERSON_A.replace("-", ""), 16)),
            (42, 42),
            ("not-a-uuid", "not-a-uuid"),
            ("x" * 36, "x" * 36),
            (None, None),
        ],
    )
    def test_given_key_when_compacted_then_uuid_becomes_int_and_others_unchanged(
        self, value: object, expected: object
    ) -> None:
        assert compact_key((value,)) == expected

    def test_given_composite_key_when_compacted_then_unchanged(self) -> None:
        assert compact_key((0, PERSON_A)) == (0, PERSON_A)


def archived(request: rm.request._RequestObjectProxy) -> bool:
    return request.qs.get("archived") == ["true"]


def has_order(request: rm.request._RequestObjectProxy) -> bool:
    return "order" in request.qs
