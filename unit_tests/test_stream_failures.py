"""One failing stream never sinks the sync (sync/run.py), through both CLIs: INCOMPLETE, its own error trace, the
other streams read, one final error naming the failed streams; a config error still stops at once."""

import io
import json
from collections.abc import Callable
from typing import Any

import pytest
import requests_mock as rm

from source_posthog.errors import ConnectorError, InternalError, TransientError
from source_posthog.singer.cli import main as singer_main
from source_posthog.streams.readers import read_stream
from source_posthog.sync.failures import failed_streams_error
from unit_tests.conftest import BASE, KEY, CliResult, valid_config

Cli = Callable[..., CliResult]
Write = Callable[[str, Any], str]
PROJECT = f"{BASE}/api/projects/1"
SELECTED = ("annotations", "cohorts", "experiments", "surveys")
ENDPOINT_NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Endpoint not found.", "attr": None}
NOT_FOUND = {"type": "invalid_request", "code": "not_found", "detail": "Not found.", "attr": None}


def catalog(*names: str) -> dict[str, Any]:
    return {"streams": [{"stream": {"name": name}, "sync_mode": "full_refresh"} for name in names]}


def serve(mock: rm.Mocker, **answers: dict[str, Any]) -> None:
    """Every selected list answers one record, unless `answers` gives its response."""
    mock.get(f"{BASE}/api/projects/", json={"next": None, "results": [{"id": 1}]})
    for name in SELECTED:
        response = answers.get(name, {"json": {"next": None, "results": [{"id": 1}]}})
        mock.get(f"{PROJECT}/{name}/", **response)


def read(cli: Cli, write: Write, **answers: dict[str, Any]) -> CliResult:
    with rm.Mocker() as mock:
        serve(mock, **answers)
        return cli(
            "read", "--config", write("c.json", valid_config()), "--catalog", write("k.json", catalog(*SELECTED))
        )


def statuses(result: CliResult) -> dict[str, str]:
    """The last status of each stream."""
    traces = [m["trace"] for m in result.messages if m["type"] == "TRACE" and m["trace"]["type"] == "STREAM_STATUS"]
    return {t["stream_status"]["stream_descriptor"]["name"]: t["stream_status"]["status"] for t in traces}


def errors(result: CliResult) -> list[dict[str, Any]]:
    return [m["trace"]["error"] for m in result.messages if m["type"] == "TRACE" and m["trace"]["type"] == "ERROR"]


def records(result: CliResult) -> set[str]:
    return {m["record"]["stream"] for m in result.messages if m["type"] == "RECORD"}


def warnings(result: CliResult) -> list[str]:
    return [m["log"]["message"] for m in result.messages if m["type"] == "LOG" and m["log"]["level"] == "WARN"]


class TestAirbyteRead:
    def test_given_one_stream_refused_with_400_when_read_then_it_alone_incomplete_and_exit_one(
        self, cli: Cli, write: Write
    ) -> None:
        result = read(cli, write, cohorts={"status_code": 400, "json": {"detail": "Bad param"}})

        assert result.code == 1
        assert statuses(result) == {
            "annotations": "COMPLETE",
            "cohorts": "INCOMPLETE",
            "experiments": "COMPLETE",
            "surveys": "COMPLETE",
        }
        assert records(result) == {"annotations", "experiments", "surveys"}
        stream_error, final = errors(result)
        assert stream_error["stream_descriptor"] == {"name": "cohorts"}
        assert stream_error["failure_type"] == "system_error"
        assert "Bad param" in stream_error["message"]
        assert "stream_descriptor" not in final
        assert final["message"].startswith("1 of 4 streams failed and were left INCOMPLETE: cohorts.")

    def test_given_unexpected_exception_in_a_stream_when_read_then_internal_message_kept_and_key_masked(
        self, cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
    ) -> None:

        def explode_on_cohorts(stream: Any, *args: Any) -> int:
            if stream.name == "cohorts":
                raise RuntimeError(f"boom with {KEY}")
            return read_stream(stream, *args)

        monkeypatch.setattr("source_posthog.sync.run.read_stream", explode_on_cohorts)
        result = read(cli, write)

        assert result.code == 1
        stream_error, final = errors(result)
        assert stream_error["message"] == "Unexpected error: RuntimeError: boom with ****"
        assert "Traceback" in stream_error["internal_message"]
        assert "cohorts" in final["message"]
        assert statuses(result)["surveys"] == "COMPLETE"
        assert KEY not in result.raw

    def test_given_two_streams_failing_when_read_then_final_message_lists_both(self, cli: Cli, write: Write) -> None:
        result = read(
            cli,
            write,
            cohorts={"status_code": 400, "json": {"detail": "Bad param"}},
            surveys={"json": [1, 2]},  # not a page: an internal error
        )

        assert result.code == 1
        assert [e.get("stream_descriptor") for e in errors(result)] == [{"name": "cohorts"}, {"name": "surveys"}, None]
        assert errors(result)[-1]["message"].startswith(
            "2 of 4 streams failed and were left INCOMPLETE: cohorts, surveys."
        )

    @pytest.mark.parametrize(
        ("status", "body"),
        [
            (401, {"type": "authentication_error", "detail": "Personal API key found in request is invalid."}),
            (403, {"type": "authentication_error", "detail": "API key missing required scope 'cohort:read'"}),
        ],
        ids=["bad key", "missing scope"],
    )
    def test_given_config_error_in_a_stream_when_read_then_sync_stops_at_once(
        self, cli: Cli, write: Write, status: int, body: dict[str, Any]
    ) -> None:
        result = read(cli, write, cohorts={"status_code": status, "json": body})

        assert result.code == 1
        assert statuses(result) == {"annotations": "COMPLETE", "cohorts": "INCOMPLETE"}
        (error,) = errors(result)
        assert error["failure_type"] == "config_error"
        assert "stream_descriptor" not in error

    def test_given_newer_stream_missing_on_instance_when_read_then_skipped_with_one_warning_and_exit_zero(
        self, cli: Cli, write: Write
    ) -> None:
        result = read(cli, write, experiments={"status_code": 404, "json": ENDPOINT_NOT_FOUND})

        assert result.code == 0
        assert set(statuses(result).values()) == {"COMPLETE"}
        assert errors(result) == []
        assert [w for w in warnings(result) if "experiments" in w] == [
            "Stream experiments skipped: experiments exist only on PostHog with EE "
            "(this instance answers HTTP 404 Endpoint not found.)."
        ]

    def test_given_project_not_found_on_newer_stream_when_read_then_not_mistaken_for_missing_endpoint(
        self, cli: Cli, write: Write
    ) -> None:
        result = read(cli, write, experiments={"status_code": 404, "json": NOT_FOUND})

        assert result.code == 1
        assert not any("skipped" in w for w in warnings(result))
        (error,) = errors(result)
        assert "Project 1 was not found" in error["message"]

    def test_given_original_stream_endpoint_missing_when_read_then_not_skipped(self, cli: Cli, write: Write) -> None:
        result = read(cli, write, cohorts={"status_code": 404, "json": ENDPOINT_NOT_FOUND})

        assert result.code == 1
        assert statuses(result)["cohorts"] == "INCOMPLETE"
        assert not any("skipped" in w for w in warnings(result))


class TestSingerSync:
    def test_given_one_stream_failing_when_sync_then_others_synced_final_state_and_exit_one(self, write: Write) -> None:
        stdout, stderr = io.BytesIO(), io.StringIO()
        singer_catalog = {
            "streams": [
                {"tap_stream_id": name, "metadata": [{"breadcrumb": [], "metadata": {"selected": True}}]}
                for name in ("annotations", "cohorts", "surveys")
            ]
        }
        with rm.Mocker() as mock:
            serve(mock, cohorts={"status_code": 400, "json": {"detail": "Bad param"}})
            code = singer_main(
                ["--config", write("c.json", valid_config()), "--catalog", write("k.json", singer_catalog)],
                stdout,
                stderr,
            )

        lines = [json.loads(line) for line in stdout.getvalue().splitlines()]
        assert code == 1
        assert {m["stream"] for m in lines if m["type"] == "RECORD"} == {"annotations", "surveys"}
        assert lines[-1]["type"] == "STATE"
        log = stderr.getvalue()
        assert "ERROR Stream cohorts failed (system_error)" in log
        assert "CRITICAL system_error: 1 of 3 streams failed and were left INCOMPLETE: cohorts." in log


class TestFailedStreamsError:
    def test_given_only_transient_failures_then_transient(self) -> None:
        error = failed_streams_error({"events": TransientError("PostHog is down")}, 3)

        assert error.failure_type == "transient_error"
        assert error.message == (
            "1 of 3 streams failed and were left INCOMPLETE: events. Every other stream was read. "
            "Causes: events (transient_error: PostHog is down)"
        )

    def test_given_a_system_failure_among_them_then_system_error(self) -> None:
        failed: dict[str, ConnectorError] = {"events": TransientError("down"), "sessions": InternalError("bug")}

        assert failed_streams_error(failed, 3).failure_type == "system_error"
