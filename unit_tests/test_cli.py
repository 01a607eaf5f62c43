"""Every CLI path: what reaches stdout, the exit code, and that the key never does."""

import io
from collections.abc import Callable
from typing import Any

import pytest
import requests_mock as rm

from source_posthog import __version__
from source_posthog.airbyte.cli import main
from unit_tests.conftest import BASE, KEY, CliResult, valid_config

Cli = Callable[..., CliResult]
Write = Callable[[str, Any], str]
CATALOG = {"streams": [{"stream": {"name": "cohorts"}, "sync_mode": "full_refresh"}]}


def assert_clean(result: CliResult) -> None:
    assert KEY not in result.raw
    assert "Traceback" not in result.raw.split('"internal_message"')[0]


class TestSpec:
    def test_when_spec_then_one_spec_message(self, cli: Cli) -> None:
        result = cli("spec")
        assert result.code == 0
        assert result.only("SPEC")["spec"]["connectionSpecification"]["required"] == ["api_key", "start_date"]

    def test_given_unknown_flags_when_spec_then_ignored(self, cli: Cli) -> None:
        assert cli("spec", "--catalog", "x.json", "--debug").code == 0


class TestUsage:
    @pytest.mark.parametrize(
        ("argv", "fragment"),
        [
            ((), "required: COMMAND"),
            (("bogus",), "invalid choice: 'bogus'"),
            (("check",), "required: --config"),
            (("read", "--config", "c.json"), "required: --catalog"),
        ],
    )
    def test_given_usage_error_when_run_then_config_error_trace_and_exit_one(
        self, cli: Cli, argv: tuple[str, ...], fragment: str
    ) -> None:
        result = cli(*argv)
        assert (result.code, result.error["failure_type"]) == (1, "config_error")
        assert fragment in result.error["message"]
        assert "Usage: source-posthog" in result.error["message"]

    def test_when_help_then_every_flag_of_every_command_is_listed(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as exited:
            main(["--help"], stdout=io.BytesIO())
        text = " ".join(capsys.readouterr().out.split())
        assert exited.value.code == 0
        assert "--version" in text
        assert "check --config FILE" in text
        assert "discover --config FILE" in text
        assert "read --config FILE --catalog FILE [--state FILE]" in text

    @pytest.mark.parametrize(
        ("command", "flags"),
        [
            ("spec", ()),
            ("check", ("--config",)),
            ("discover", ("--config",)),
            ("read", ("--config", "--catalog", "--state")),
        ],
    )
    def test_when_command_help_then_its_flags_are_listed(
        self, capsys: pytest.CaptureFixture[str], command: str, flags: tuple[str, ...]
    ) -> None:
        with pytest.raises(SystemExit):
            main([command, "--help"], stdout=io.BytesIO())
        text = capsys.readouterr().out
        assert all(f"{flag} FILE" in text for flag in flags)

    def test_when_version_then_the_package_version(self, capsys: pytest.CaptureFixture[str]) -> None:
        with pytest.raises(SystemExit) as exited:
            main(["--version"], stdout=io.BytesIO())
        assert (exited.value.code, capsys.readouterr().out) == (0, f"source-posthog {__version__}\n")


class TestDiscover:
    def test_given_typo_in_a_key_when_discover_then_warning_names_the_intended_key(
        self, cli: Cli, write: Write
    ) -> None:
        result = cli("discover", "--config", write("c.json", valid_config(project_id=[101])))
        assert result.code == 0
        assert result.only("LOG")["log"] == {
            "level": "WARN",
            "message": "Config key 'project_id' is unknown and ignored; did you mean 'project_ids'?",
        }

    def test_given_valid_config_when_discover_then_catalog_without_network(self, cli: Cli, write: Write) -> None:
        with rm.Mocker():  # any request would fail: none is mocked
            result = cli("discover", "--config", write("c.json", valid_config()))
        assert result.code == 0
        assert len(result.only("CATALOG")["catalog"]["streams"]) == 20


BAD_CONFIGS = [
    ({"start_date": "2024-01-01T00:00:00Z"}, "api_key: Field required"),
    (valid_config(api_key=""), "api_key: must not be empty"),
    (valid_config(api_key="phc_projectTokenAbcdef"), "project token"),
    (valid_config(base_url="not a url"), "base_url"),
    (valid_config(start_date="2024-01-01"), "start_date"),
    (valid_config(start_date="2999-01-01T00:00:00Z"), "in the future"),
    (valid_config(events_time_step=100), "events_time_step"),
]


class TestBadConfig:
    @pytest.mark.parametrize(("config", "fragment"), BAD_CONFIGS)
    def test_given_bad_config_when_check_then_failed_status(
        self, cli: Cli, write: Write, config: dict[str, Any], fragment: str
    ) -> None:
        result = cli("check", "--config", write("c.json", config))
        status = result.only("CONNECTION_STATUS")["connectionStatus"]
        assert (result.code, status["status"]) == (0, "FAILED")
        assert fragment in status["message"]
        assert_clean(result)

    @pytest.mark.parametrize(("config", "fragment"), BAD_CONFIGS)
    def test_given_bad_config_when_read_then_config_error_trace(
        self, cli: Cli, write: Write, config: dict[str, Any], fragment: str
    ) -> None:
        result = cli("read", "--config", write("c.json", config), "--catalog", write("cat.json", CATALOG))
        assert result.code == 1
        assert result.error["failure_type"] == "config_error"
        assert fragment in result.error["message"]
        assert_clean(result)

    @pytest.mark.parametrize(("content", "fragment"), [("{not json", "not valid JSON"), ("[1]", "JSON object")])
    def test_given_malformed_config_file_when_read_then_config_error(
        self, cli: Cli, write: Write, content: str, fragment: str
    ) -> None:
        result = cli("read", "--config", write("c.json", content), "--catalog", write("cat.json", CATALOG))
        assert (result.code, result.error["failure_type"]) == (1, "config_error")
        assert fragment in result.error["message"]

    def test_given_missing_config_file_when_discover_then_config_error(self, cli: Cli, tmp_path: Any) -> None:
        result = cli("discover", "--config", str(tmp_path / "absent.json"))
        assert (result.code, result.error["failure_type"]) == (1, "config_error")
        assert "Cannot read the config file" in result.error["message"]


class TestReadInputs:
    @pytest.mark.parametrize(
        ("catalog", "fragment"),
        [
            ({"streams": [{"stream": {"name": "nope"}, "sync_mode": "full_refresh"}]}, "unknown stream"),
            ({"streams": [{"stream": {"name": "events"}, "sync_mode": "INVALID"}]}, "sync_mode 'INVALID'"),
            ("{broken", "not valid JSON"),
        ],
    )
    def test_given_bad_catalog_when_read_then_config_error(
        self, cli: Cli, write: Write, catalog: Any, fragment: str
    ) -> None:
        result = cli("read", "--config", write("c.json", valid_config()), "--catalog", write("cat.json", catalog))
        assert (result.code, result.error["failure_type"]) == (1, "config_error")
        assert fragment in result.error["message"]

    @pytest.mark.parametrize(
        "state",
        [
            "{broken",
            "[1, 2]",
            '{"events": {"1": {"timestamp": "garbage"}}}',
            '{"sessions": {"1": {"start_timestamp": "garbage"}}}',
            '{"groups": {"1": {}}}',
        ],
    )
    def test_given_bad_state_when_read_then_config_error(self, cli: Cli, write: Write, state: str) -> None:
        catalog = {"streams": [{"stream": {"name": "events"}, "sync_mode": "incremental"}]}
        with rm.Mocker() as mock:
            mock.get(f"{BASE}/api/projects/", json={"next": None, "results": [{"id": 1}]})
            result = cli(
                "read",
                "--config",
                write("c.json", valid_config()),
                "--catalog",
                write("cat.json", catalog),
                "--state",
                write("s.json", state),
            )
        assert (result.code, result.error["failure_type"]) == (1, "config_error")
        assert_clean(result)


class TestApiFailures:
    def test_given_invalid_key_when_check_then_failed_status_names_key(self, cli: Cli, write: Write) -> None:
        with rm.Mocker() as mock:
            mock.get(
                f"{BASE}/api/projects/",
                status_code=401,
                json={
                    "type": "authentication_error",
                    "code": "authentication_failed",
                    "detail": "Personal API key found in request Authorization header is invalid.",
                    "attr": None,
                },
            )
            result = cli("check", "--config", write("c.json", valid_config()))
        status = result.only("CONNECTION_STATUS")["connectionStatus"]
        assert (result.code, status["status"]) == (0, "FAILED")
        assert "api_key" in status["message"]
        assert "invalid" in status["message"]
        assert_clean(result)

    def test_given_unexpected_exception_when_read_then_system_error_trace(
        self, cli: Cli, write: Write, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def explode(*_args: Any) -> None:
            raise RuntimeError(f"boom with {KEY}")

        monkeypatch.setattr("source_posthog.airbyte.cli.run_read", explode)
        result = cli("read", "--config", write("c.json", valid_config()), "--catalog", write("cat.json", CATALOG))
        assert (result.code, result.error["failure_type"]) == (1, "system_error")
        assert "RuntimeError" in result.error["message"]
        assert_clean(result)
