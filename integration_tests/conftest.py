"""Fixtures shared by the integration tests: one default emulator per session, and a read workspace."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from integration_tests.contract_guard import ContractGuard, RequestContractError, describe
from integration_tests.helpers import ALL_STREAMS, Run, catalog_for, config_for, run_connector, write_json
from posthog_emulator import Emulator, EmulatorSettings


@pytest.fixture(scope="session")
def emulator() -> Iterator[Emulator]:
    """The default emulator (quirks on, sample data), shared by tests that do not change it."""
    emu = Emulator(EmulatorSettings(seed=7)).start()
    yield emu
    emu.stop()


class Workspace:
    """Config, catalog and state files for CLI runs against one emulator."""

    def __init__(self, folder: Path, emulator: Emulator) -> None:
        self.folder = folder
        self.emulator = emulator

    def config(self, **overrides: object) -> str:
        return write_json(
            self.folder, "config.json", config_for(self.emulator.base_url, self.emulator.api_key, **overrides)
        )

    def read(self, streams: tuple[str, ...] = ALL_STREAMS, state: str | None = None, **overrides: object) -> Run:
        catalog = write_json(self.folder, "catalog.json", catalog_for(streams))
        args = ["read", "--config", self.config(**overrides), "--catalog", catalog]
        return run_connector(args + (["--state", state] if state else []))


@pytest.fixture
def workspace(tmp_path: Path, emulator: Emulator) -> Workspace:
    """A workspace on the shared default emulator."""
    return Workspace(tmp_path, emulator)


# Request contract (issue 22 §6): every request the connector sends during an integration test is held to
# PostHog's facts; a test whose connector sent one PostHog refuses fails (see contract_guard.py).
GUARD = ContractGuard()


@pytest.fixture(scope="session", autouse=True)
def _request_contract_installed() -> Iterator[None]:
    undo = GUARD.install()
    yield
    undo()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Iterator[None]:
    GUARD.drain()  # nothing logged between tests (other folders' emulators) belongs to this one
    GUARD.active = True
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    try:
        result = yield
    finally:
        found = GUARD.drain()
    if found:
        raise RequestContractError(describe(found))
    return result


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item) -> Iterator[None]:
    try:
        result = yield
    finally:
        GUARD.active = False
        found = GUARD.drain()
    if found:
        raise RequestContractError(describe(found))
    return result
