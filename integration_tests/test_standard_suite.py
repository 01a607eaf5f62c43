"""The Airbyte CDK standard source tests (SourceTestSuiteBase) pass against the CLI on the emulator.

airbyte-cdk lives in the ecosystem venv, so the suite (integration_tests/acceptance/standard_suite.py)
runs there as one nested pytest; each CDK test then shows up here as its own test with its own verdict.
The configs named by acceptance-test-config.yml are written first, because the emulator's port changes.
"""

import fcntl
import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from integration_tests.acceptance.ecosystem import ACCEPTANCE_DIR, REPO_ROOT, run_eco_python
from integration_tests.helpers import config_for, connector_command
from posthog_emulator import Emulator

GENERATED = ACCEPTANCE_DIR / "generated"  # the paths acceptance-test-config.yml names
UNKNOWN_KEY = "phx_acceptance_key_the_emulator_never_issued"
SUITE_TIMEOUT_S = 300
EXPECTED_PASSES = {
    "test_spec": "one valid SPEC, secrets marked",
    "test_config_matches_spec['config' Test Scenario]": "the sample config validates against the spec",
    "test_check['config' Test Scenario]": "check SUCCEEDED with a good key",
    "test_check['invalid_config' Test Scenario]": "check FAILED (not crashed) with an unknown key",
    "test_discover['config' Test Scenario]": "one catalog without problems",
    "test_basic_read['config' Test Scenario]": "every stream returns records valid against its schema",
    "test_fail_read_with_bad_catalog['config' Test Scenario]": "an unknown stream and INVALID sync mode fail",
}


def write_sample_configs(emulator: Emulator) -> None:
    GENERATED.mkdir(exist_ok=True)
    for name, key in (("config.json", emulator.api_key), ("invalid_config.json", UNKNOWN_KEY)):
        (GENERATED / name).write_text(json.dumps(config_for(emulator.base_url, key)), encoding="utf-8")


@pytest.fixture(scope="module")
def suite_outcomes(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Run the CDK suite once; map each CDK test name to passed/failed/skipped plus its message."""
    folder = tmp_path_factory.mktemp("standard-suite")
    report = folder / "junit.xml"
    GENERATED.mkdir(exist_ok=True)
    with (GENERATED / ".lock").open("w") as lock:  # the work tree is shared: one suite run at a time
        fcntl.flock(lock, fcntl.LOCK_EX)
        write_sample_configs(emulator)
        done = run_eco_python(
            [
                *("-m", "pytest", "-c", str(ACCEPTANCE_DIR / "standard-suite.ini"), "--rootdir", str(REPO_ROOT)),
                *("--noconftest", f"--junitxml={report}", str(ACCEPTANCE_DIR / "standard_suite.py")),
            ],
            # TMPDIR: the CDK leaves config copies (with the key) in $TMPDIR/airbyte-test; keep them in pytest's tmp.
            env={"SOURCE_POSTHOG_EXE": connector_command()[0], "TMPDIR": str(folder)},
            timeout=SUITE_TIMEOUT_S,
        )
    assert report.exists(), f"the CDK suite did not run (exit {done.returncode}):\n{done.stdout[-3000:]}{done.stderr}"
    return parse_junit(report)


def parse_junit(report: Path) -> dict[str, str]:
    outcomes = {}
    for case in ET.parse(report).getroot().iter("testcase"):  # noqa: S314 (our own report file)
        verdicts = [child for child in case if child.tag in ("failure", "error", "skipped")]
        if not verdicts:
            outcomes[case.get("name", "")] = "passed"
        else:
            verdict = verdicts[0]
            outcomes[case.get("name", "")] = f"{verdict.tag}: {verdict.get('message', '')}\n{verdict.text or ''}"
    return outcomes


@pytest.mark.parametrize("cdk_test", list(EXPECTED_PASSES), ids=list(EXPECTED_PASSES.values()))
def test_given_the_emulator_when_the_cdk_standard_test_runs_then_it_passes(
    suite_outcomes: dict[str, str], cdk_test: str
) -> None:
    assert suite_outcomes.get(cdk_test, "not collected") == "passed"


def test_given_the_cdk_suite_when_it_ran_then_nothing_else_failed(suite_outcomes: dict[str, str]) -> None:
    failed = {name: outcome for name, outcome in suite_outcomes.items() if outcome.startswith(("failure", "error"))}
    assert failed == {}
    skipped = [outcome for outcome in suite_outcomes.values() if outcome.startswith("skipped")]
    assert all("does not run for scenario 'invalid_config'" in outcome for outcome in skipped), skipped


def test_given_generated_configs_when_the_suite_ran_then_they_point_at_loopback_only(
    suite_outcomes: dict[str, str],
) -> None:
    for name in ("config.json", "invalid_config.json"):
        base_url = json.loads((GENERATED / name).read_text(encoding="utf-8"))["base_url"]
        assert base_url.startswith("http://127.0.0.1:"), base_url
