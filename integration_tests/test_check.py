"""`check` against the emulator's keys: what a read needs, and a failure that names its fix."""

from pathlib import Path

import pytest

from integration_tests.helpers import NEWER_STREAMS, Run, catalog_for, config_for, run_connector, write_json
from posthog_emulator import Emulator
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME


def check(emulator: Emulator, folder: Path, key: str, **overrides: object) -> Run:
    config = write_json(folder, "config.json", config_for(emulator.base_url, key, **overrides))
    return run_connector(["check", "--config", config])


class TestCheck:
    @pytest.mark.parametrize("key_name", ["all", "read_only", "write_scopes", "legacy_unscoped"])
    def test_given_key_with_every_read_scope_when_check_then_succeeded(
        self, emulator: Emulator, tmp_path: Path, key_name: str
    ) -> None:
        run = check(emulator, tmp_path, emulator.keys[key_name])

        assert run.returncode == 0
        assert run.connection_status["status"] == "SUCCEEDED"
        assert f"{len(emulator.project_ids)} project(s)" in run.connection_status["message"]

    def test_given_key_without_person_read_when_check_then_succeeded_since_persons_come_through_query(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        # Was a FAILED check: persons through /query/ need only query:read (posthog/api/query.py scope_object).
        run = check(emulator, tmp_path, emulator.keys["no_person_read"])

        assert run.connection_status["status"] == "SUCCEEDED"
        assert "person:read" not in run.connection_status["message"]

    @pytest.mark.parametrize(("key_name", "scope", "stream"), [("no_query_read", "query:read", "events")])
    def test_given_key_missing_a_scope_when_check_then_failed_naming_scope_and_stream(
        self, emulator: Emulator, tmp_path: Path, key_name: str, scope: str, stream: str
    ) -> None:
        run = check(emulator, tmp_path, emulator.keys[key_name])

        assert run.returncode == 0
        assert run.connection_status["status"] == "FAILED"
        assert f"missing scope {scope} blocks stream {stream}" in run.connection_status["message"]
        assert emulator.keys[key_name] not in run.stdout + run.stderr

    def test_given_project_scoped_key_without_project_ids_when_check_then_failed_asking_for_project_ids(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        run = check(emulator, tmp_path, emulator.keys["project_scoped"])

        assert run.connection_status["status"] == "FAILED"
        assert "project_ids" in run.connection_status["message"]

    def test_given_project_scoped_key_with_its_project_id_when_check_then_succeeded(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        run = check(emulator, tmp_path, emulator.keys["project_scoped"], project_ids=[emulator.project_ids[0]])

        assert run.connection_status["status"] == "SUCCEEDED"
        assert "1 project(s)" in run.connection_status["message"]

    def test_given_project_id_outside_the_key_when_check_then_failed_naming_project(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        other = emulator.project_ids[1]
        run = check(emulator, tmp_path, emulator.keys["project_scoped"], project_ids=[other])

        assert run.connection_status["status"] == "FAILED"
        assert f"Project {other}" in run.connection_status["message"]

    def test_given_unknown_project_id_when_check_then_failed_naming_project(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        run = check(emulator, tmp_path, emulator.api_key, project_ids=[999])

        assert run.connection_status["status"] == "FAILED"
        assert "Project 999" in run.connection_status["message"]

    def test_given_invalid_key_when_check_then_failed_from_401_without_echoing_key(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        wrong = "phx_" + "x" * 43
        run = check(emulator, tmp_path, wrong)

        assert run.connection_status["status"] == "FAILED"
        assert "rejected the API key" in run.connection_status["message"]
        assert wrong not in run.stdout + run.stderr

    def test_given_key_with_only_the_original_scopes_when_check_then_succeeded_listing_newer_streams_scopes(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        run = check(emulator, tmp_path, emulator.keys["original_scopes"])

        assert run.connection_status["status"] == "SUCCEEDED"
        message = run.connection_status["message"]
        original_scopes = {stream.scope for stream in STREAMS if stream.original}
        for name in NEWER_STREAMS:
            scope = STREAMS_BY_NAME[name].scope
            if scope in original_scopes:  # person_distinct_ids and groups: query:read, which events needs too
                assert f"streams {name} " not in message
                assert f" {name} would need" not in message
                assert f", {name}," not in message
            else:
                assert f"streams {name} would need scope {scope}" in message
        assert "Events synced: every event." in message

    def test_given_event_filters_when_check_then_message_names_them(self, emulator: Emulator, tmp_path: Path) -> None:
        run = check(emulator, tmp_path, emulator.api_key, events_exclude=["$autocapture"])

        assert run.connection_status["message"].endswith("Events synced: every event except $autocapture.")

    def test_given_selected_stream_without_its_scope_when_read_then_config_error_names_stream_and_scope(
        self, emulator: Emulator, tmp_path: Path
    ) -> None:
        config = write_json(tmp_path, "config.json", config_for(emulator.base_url, emulator.keys["original_scopes"]))
        catalog = write_json(tmp_path, "catalog.json", catalog_for(("cohorts", "dashboards")))

        run = run_connector(["read", "--config", config, "--catalog", catalog])

        assert run.returncode == 1
        (error,) = run.errors
        assert error["failure_type"] == "config_error"
        assert "Stream dashboards cannot be read: the API key lacks the scope dashboard:read" in error["message"]
        assert run.records("cohorts")  # streams before it were delivered
        assert emulator.keys["original_scopes"] not in run.stdout + run.stderr
