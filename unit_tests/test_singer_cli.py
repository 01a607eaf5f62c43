"""The Singer command line (singer/cli.py): --about, --discover, and a bad config kept off stdout."""

import io
import json
from pathlib import Path

from source_posthog.singer.catalog import build_catalog
from source_posthog.singer.cli import about, main


def test_given_about_json_then_name_version_capabilities_settings() -> None:
    out = io.BytesIO()
    assert main(["--about", "--format", "json"], stdout=out) == 0
    info = json.loads(out.getvalue())
    assert info == about()
    assert info["name"] == "tap-posthog"
    assert info["capabilities"] == ["catalog", "discover", "state", "about"]
    settings = {s["name"]: s for s in info["settings"]}
    assert settings["api_key"]["kind"] == "password"
    assert settings["api_key"]["required"] is True
    assert settings["events_time_step"]["kind"] == "integer"
    assert settings["project_ids"]["kind"] == "array"
    assert main(["--about"], stdout=(text := io.BytesIO())) == 0
    assert b"`api_key` (password, required)" in text.getvalue()


def test_given_bad_config_then_critical_on_stderr_and_stdout_empty(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"api_key": "phx_x" * 5}))
    out, err = io.BytesIO(), io.StringIO()
    assert main(["--config", str(path), "--discover"], stdout=out, stderr=err) == 1
    assert out.getvalue() == b""
    assert err.getvalue().startswith("CRITICAL config_error: Invalid config: start_date")
    assert "phx_x" not in err.getvalue()


def test_given_discover_then_catalog_on_stdout(tmp_path: Path) -> None:
    path = tmp_path / "config.json"
    path.write_text(json.dumps({"api_key": "phx_" + "k" * 40, "start_date": "2024-01-01T00:00:00Z"}))
    out, err = io.BytesIO(), io.StringIO()
    assert main(["--config", str(path), "--discover"], stdout=out, stderr=err) == 0
    assert json.loads(out.getvalue()) == build_catalog()
    assert err.getvalue() == ""
