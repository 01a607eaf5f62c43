"""The request contract on a whole sync: every request `check` and a read of every stream send, read back from
the emulator's request log, is one PostHog accepts (integration_tests/posthog_contract.py).

conftest.py already fails any integration test whose connector sends a refused request; this test states the
contract on its own, so `pytest integration_tests/test_request_contract.py` answers "does the connector speak
PostHog's API?" in seconds.
"""

from integration_tests.conftest import Workspace
from integration_tests.contract_check import is_connector_request, violations
from integration_tests.helpers import run_connector


def test_given_every_stream_when_checked_and_read_then_every_request_is_one_posthog_accepts(
    workspace: Workspace,
) -> None:
    workspace.emulator.clear_requests()

    check = run_connector(["check", "--config", workspace.config()])
    read = workspace.read()

    sent = [entry for entry in workspace.emulator.requests if is_connector_request(entry)]
    assert check.connection_status["status"] in ("SUCCEEDED", "FAILED")  # the contract holds either way
    assert read.of_type("RECORD"), "a read that sends nothing proves nothing"
    assert {entry["path"].split("/")[-2] for entry in sent} >= {"query", "insights", "session_recordings"}
    refused = sorted({problem for entry in sent for problem in violations(entry)})
    assert refused == [], "\n".join(refused)
