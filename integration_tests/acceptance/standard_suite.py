"""The Airbyte CDK standard source tests, pointed at the `source-posthog` CLI instead of a Python class.

Not collected by the main run (its name does not start with test_): integration_tests/test_standard_suite.py
runs it in the ecosystem venv, where airbyte-cdk lives, with SOURCE_POSTHOG_EXE naming the CLI to test.
"""

import logging
import os
from typing import Any

from airbyte_cdk.test import entrypoint_wrapper
from airbyte_cdk.test.entrypoint_wrapper import EntrypointOutput
from airbyte_cdk.test.models import ConnectorTestScenario
from airbyte_cdk.test.standard_tests import SourceTestSuiteBase
from airbyte_cdk.utils.docker import run_docker_airbyte_command

CONNECTOR_COMMAND = [os.environ.get("SOURCE_POSTHOG_EXE", "source-posthog")]


class CliConnector:
    """A connector that is a command line; has `spec` so the CDK accepts it, and is not callable on purpose."""

    def __init__(self, argv: list[str]) -> None:
        self.argv = argv

    def spec(self, logger: logging.Logger) -> Any:
        raise NotImplementedError("the CLI is run through its argv, never in-process")


_run_in_process = entrypoint_wrapper._run_command


def _run_command(source: Any, args: list[str], expecting_exception: Any = None, **kwargs: Any) -> EntrypointOutput:
    """The CDK's job runner looks this up at call time: run a CliConnector as a subprocess with the same argv."""
    if isinstance(source, CliConnector):
        return run_docker_airbyte_command([*source.argv, *args])
    return _run_in_process(source, args, expecting_exception, **kwargs)


entrypoint_wrapper._run_command = _run_command


# airbyte_cdk is installed only in the ecosystem venv, so in .venv mypy sees SourceTestSuiteBase as Any.
class TestSourcePosthog(SourceTestSuiteBase):  # type: ignore[misc]
    """spec, check (valid and invalid key), discover, basic read, config matches spec, bad catalog."""

    @classmethod
    def create_connector(cls, scenario: ConnectorTestScenario | None) -> CliConnector:
        return CliConnector(CONNECTOR_COMMAND)
