"""Shared unit-test helpers: run the CLI in-process and parse what it wrote."""

import io
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from source_posthog.airbyte.cli import main

KEY = "phx_unitTestSecretKey123456"
BASE = "https://us.posthog.com"


def valid_config(**overrides: Any) -> dict[str, Any]:
    return {"api_key": KEY, "start_date": "2024-01-01T00:00:00Z", **overrides}


class CliResult:
    def __init__(self, code: int, raw: bytes) -> None:
        self.code = code
        self.raw = raw.decode()
        self.messages: list[dict[str, Any]] = [json.loads(line) for line in self.raw.splitlines()]

    def only(self, kind: str) -> dict[str, Any]:
        (message,) = [m for m in self.messages if m["type"] == kind]
        return message

    @property
    def error(self) -> dict[str, Any]:
        return dict(self.only("TRACE")["trace"]["error"])


@pytest.fixture
def write(tmp_path: Path) -> Callable[[str, Any], str]:
    def _write(name: str, content: Any) -> str:
        path = tmp_path / name
        path.write_text(content if isinstance(content, str) else json.dumps(content))
        return str(path)

    return _write


@pytest.fixture
def cli() -> Callable[..., CliResult]:
    def _run(*argv: str) -> CliResult:
        buffer = io.BytesIO()
        code = main(list(argv), stdout=buffer)
        return CliResult(code, buffer.getvalue())

    return _run
