"""One shared emulator per session (settings restored after each test) and fresh ones on demand."""

from collections.abc import Iterator, Mapping
from datetime import UTC, datetime
from typing import Protocol

import pytest
import requests

from posthog_emulator import Emulator, EmulatorSettings, Faults, Limits, Quirks

END = datetime(2026, 11, 1, tzinfo=UTC)
MAIN, NEW_YORK, KOLKATA, EMPTY, SINGLE = 101, 102, 103, 104, 105

Params = Mapping[str, str | int | float]
"""Query parameters as the tests pass them to requests."""


class Api(Protocol):
    """The `api` fixture: one request to the shared emulator, by path or absolute URL."""

    def __call__(
        self, method: str, path: str, *, params: Params | None = None, json: object = None
    ) -> requests.Response: ...


@pytest.fixture(scope="session")
def emu() -> Iterator[Emulator]:
    emulator = Emulator(EmulatorSettings(seed=3, events=20_000, end=END)).start()
    yield emulator
    emulator.stop()


@pytest.fixture(autouse=True)
def _restore_settings(request: pytest.FixtureRequest) -> Iterator[None]:
    yield
    if "emu" in request.fixturenames:
        emulator = request.getfixturevalue("emu")
        emulator.configure(quirks=Quirks(), faults=Faults(), limits=Limits())
        emulator.clear_requests()


@pytest.fixture
def fresh() -> Iterator[Emulator]:
    """A private emulator for tests that append data."""
    emulator = Emulator(EmulatorSettings(seed=5, events=5_000, end=END)).start()
    yield emulator
    emulator.stop()


def session_for(emulator: Emulator, key: str | None = None) -> requests.Session:
    s = requests.Session()
    s.headers["Authorization"] = f"Bearer {key or emulator.api_key}"
    return s


@pytest.fixture
def api(emu: Emulator) -> Api:
    """GET/POST helper on the shared emulator: api("GET", "/api/projects/", params=...)."""
    s = session_for(emu)

    def call(method: str, path: str, *, params: Params | None = None, json: object = None) -> requests.Response:
        url = path if path.startswith("http") else emu.base_url + path
        return s.request(method, url, params=params, json=json, timeout=30)

    return call


def hogql(sql: str, values: Mapping[str, object] | None = None, **extra: object) -> dict[str, object]:
    node: dict[str, object] = {"kind": "HogQLQuery", "query": sql, "values": values or {}}
    node.update({k: v for k, v in extra.items() if k == "modifiers"})
    body: dict[str, object] = {"query": node, "refresh": "force_blocking"}
    body.update({k: v for k, v in extra.items() if k != "modifiers"})
    return body
