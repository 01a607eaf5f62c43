"""Bad input of every kind: a clear message with the right failure type, no traceback, and never the key.

Each case runs the installed CLI against the emulator; every byte of stdout and stderr is scanned
for the key (issue 7 points 4 and 5).
"""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.helpers import Run, catalog_for, config_for, run_connector, write_json
from posthog_emulator import Emulator

FUTURE = (datetime.now(UTC) + timedelta(days=3)).strftime("%Y-%m-%dT%H:%M:%SZ")


def assert_no_leak(run: Run, *secrets: str) -> None:
    for secret in secrets:
        assert secret not in run.stdout
        assert secret not in run.stderr
    assert "Traceback" not in run.stderr
    assert all("Traceback" not in error["message"] for error in run.errors)


def bad_configs(emulator: Emulator) -> list[tuple[str, dict[str, Any], str]]:
    """(case, config, expected words in the message)."""
    good = config_for(emulator.base_url, emulator.api_key)
    without_key = {k: v for k, v in good.items() if k != "api_key"}
    return [
        ("missing key", without_key, "api_key"),
        ("empty key", {**good, "api_key": ""}, "api_key"),
        ("wrong key", {**good, "api_key": "phx_thisKeyDoesNotExist0000"}, "api_key"),
        ("project token", {**good, "api_key": "phc_projectTokenNotPersonal1"}, "personal API key"),
        ("malformed base_url", {**good, "base_url": "://nope"}, "base_url"),
        ("non-http base_url", {**good, "base_url": "ftp://127.0.0.1:21"}, "base_url"),
        ("unreachable host", {**good, "base_url": "http://127.0.0.1:9"}, "127.0.0.1:9"),
        ("date-only start_date", {**good, "start_date": "2024-01-01"}, "start_date"),
        ("malformed start_date", {**good, "start_date": "01/02/2024"}, "start_date"),
        ("future start_date", {**good, "start_date": FUTURE}, "future"),
        ("events_time_step too small", {**good, "events_time_step": 0}, "events_time_step"),
        ("events_time_step too large", {**good, "events_time_step": 92}, "events_time_step"),
    ]


@pytest.fixture
def cases(emulator: Emulator) -> list[tuple[str, dict[str, Any], str]]:
    return bad_configs(emulator)


def test_given_each_bad_config_when_check_then_failed_status_naming_the_problem(
    emulator: Emulator, cases: list[tuple[str, dict[str, Any], str]], tmp_path: Path
) -> None:
    for case, config, words in cases:
        run = run_connector(["check", "--config", write_json(tmp_path, "config.json", config)], timeout=120)
        status = run.connection_status
        assert status["status"] == "FAILED", case
        assert words.lower() in status["message"].lower(), (case, status["message"])
        assert_no_leak(run, emulator.api_key, str(config.get("api_key") or "unused-secret-marker"))


def test_given_each_bad_config_when_read_then_config_error_trace_and_exit_one(
    emulator: Emulator, cases: list[tuple[str, dict[str, Any], str]], tmp_path: Path
) -> None:
    catalog = write_json(tmp_path, "catalog.json", catalog_for(("cohorts",)))
    for case, config, words in cases:
        run = run_connector(
            ["read", "--config", write_json(tmp_path, "config.json", config), "--catalog", catalog], timeout=300
        )
        assert run.returncode == 1, case
        (error,) = run.errors
        expected_type = "transient_error" if case == "unreachable host" else "config_error"
        assert error["failure_type"] == expected_type, (case, error)
        assert words.lower() in error["message"].lower(), (case, error["message"])
        assert run.records() == [], case
        assert_no_leak(run, emulator.api_key, str(config.get("api_key") or "unused-secret-marker"))


@pytest.mark.parametrize(
    ("which", "content", "words"),
    [
        ("config", "{not json", "not valid JSON"),
        ("config", None, "Cannot read the config file"),
        ("catalog", "{not json", "not valid JSON"),
        ("catalog", None, "Cannot read the catalog file"),
        ("catalog", json.dumps(catalog_for(("no_such_stream",))), "unknown stream"),
        ("catalog", json.dumps({"streams": [{"stream": {"name": "events"}, "sync_mode": "INVALID"}]}), "sync_mode"),
        ("state", "{not json", "not valid JSON"),
        ("state", None, "Cannot read the state file"),
        ("state", json.dumps([{"type": "STREAM", "stream": {"no": "descriptor"}}]), "stream_descriptor"),
        ("state", json.dumps({"events": {"42": {"timestamp": "last tuesday"}}}), "unreadable timestamp"),
        ("state", json.dumps({"events": {"42": "2024-01-01"}}), "string timestamp"),
    ],
)
def test_given_bad_file_when_read_then_config_error(
    emulator: Emulator, tmp_path: Path, which: str, content: str | None, words: str
) -> None:
    files = {
        "config": write_json(tmp_path, "config.json", config_for(emulator.base_url, emulator.api_key)),
        "catalog": write_json(tmp_path, "catalog.json", catalog_for(("events",))),
        "state": write_json(tmp_path, "state.json", []),
    }
    bad = tmp_path / f"bad-{which}.json"
    if content is not None:
        bad.write_text(content)
    files[which] = str(bad)
    run = run_connector(["read", "--config", files["config"], "--catalog", files["catalog"], "--state", files["state"]])
    assert run.returncode == 1
    (error,) = run.errors
    assert error["failure_type"] == "config_error"
    assert words in error["message"]
    assert_no_leak(run, emulator.api_key)
