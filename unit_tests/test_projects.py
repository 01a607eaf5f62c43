"""list_projects: all listable projects, or exactly the configured project_ids for project-scoped keys."""

import pytest
import requests_mock as rm

from source_posthog.errors import ApiError, ConfigError
from source_posthog.streams.projects import list_projects
from unit_tests.fakes import API, Harness, make_config, page

SCOPED = "API keys with scoped projects are only supported on project-based endpoints."


class TestListProjects:
    def test_given_listable_projects_when_listing_then_every_page_read_and_sorted_by_id(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(
            f"{API}/projects/",
            [{"json": page([{"id": 7}], f"{API}/projects/?limit=1000&offset=1")}, {"json": page([{"id": 3}])}],
        )

        assert [p["id"] for p in list_projects(harness.client, harness.config)] == [3, 7]

    def test_given_project_ids_when_listing_then_each_fetched_directly_and_list_endpoint_unused(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness(make_config(project_ids=[42, 5, 42]))
        listing = requests_mock.get(f"{API}/projects/", status_code=403, json={"detail": SCOPED})
        requests_mock.get(f"{API}/projects/42/", json={"id": 42, "name": "a"})
        requests_mock.get(f"{API}/projects/5/", json={"id": 5, "name": "b"})

        projects = list_projects(harness.client, harness.config)

        assert [p["id"] for p in projects] == [5, 42]
        assert not listing.called

    def test_given_project_scoped_key_without_project_ids_when_listing_then_config_error_says_set_project_ids(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", status_code=403, json={"detail": SCOPED})

        with pytest.raises(ConfigError, match="project_ids"):
            list_projects(harness.client, harness.config)

    @pytest.mark.parametrize(
        ("status", "detail"),
        [(404, "Not found."), (403, "API key does not have access to the requested project: ID 9.")],
    )
    def test_given_unreachable_project_id_when_listing_then_config_error_names_project(
        self, requests_mock: rm.Mocker, status: int, detail: str
    ) -> None:
        harness = Harness(make_config(project_ids=[9]))
        requests_mock.get(f"{API}/projects/9/", status_code=status, json={"detail": detail})

        with pytest.raises(ConfigError, match="Project 9"):
            list_projects(harness.client, harness.config)

    def test_given_no_projects_when_listing_then_config_error(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", json=page([]))

        with pytest.raises(ConfigError, match="no project"):
            list_projects(harness.client, harness.config)

    def test_given_invalid_key_when_listing_then_api_error_is_config_error(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", status_code=401, json={"detail": "invalid"})

        with pytest.raises(ApiError) as caught:
            list_projects(harness.client, harness.config)

        assert caught.value.failure_type == "config_error"
