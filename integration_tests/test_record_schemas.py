"""Every record the connector delivers from the emulator validates against the schema `discover` declares.

This is what makes the one-type-per-field schemas (issue 17) safe: a field typed as the one shape PostHog sends
would fail here if the emulator, which reproduces PostHog's serializers, sent another shape. Both event paths
are covered: `/query/` and the legacy `/events/` list.
"""

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import ALL_STREAMS, Run, run_connector
from posthog_emulator import Emulator, EmulatorSettings
from source_posthog.streams.stream import TableSpec
from source_posthog.streams.table import STREAMS

FORMATS = jsonschema.FormatChecker(formats=["uuid"])


@FORMATS.checks("date-time", raises=ValueError)
def _is_datetime(value: object) -> bool:
    return not isinstance(value, str) or datetime.fromisoformat(value).tzinfo is not None


@pytest.fixture(scope="module")
def small_emulator() -> Iterator[Emulator]:
    emu = Emulator(EmulatorSettings(seed=17, events=3_000, projects=2)).start()
    yield emu
    emu.stop()


def declared_schemas(workspace: Workspace) -> dict[str, dict[str, Any]]:
    (catalog,) = run_connector(["discover", "--config", workspace.config()]).of_type("CATALOG")
    return {stream["name"]: stream["json_schema"] for stream in catalog["catalog"]["streams"]}


def schema_errors(run: Run, schemas: dict[str, dict[str, Any]]) -> list[str]:
    validators = {name: jsonschema.Draft7Validator(schema, format_checker=FORMATS) for name, schema in schemas.items()}
    errors = []
    for message in run.of_type("RECORD"):
        stream, data = message["record"]["stream"], message["record"]["data"]
        errors += [f"{stream} {list(e.absolute_path)}: {e.message}" for e in validators[stream].iter_errors(data)]
    return errors[:20]


@pytest.mark.parametrize("query_api", [True, False], ids=["query", "legacy-events"])
def test_given_emulator_data_when_every_stream_is_read_then_every_record_matches_its_schema(
    small_emulator: Emulator, tmp_path: Path, query_api: bool
) -> None:
    small_emulator.configure(quirks={"query_api_available": query_api})
    workspace = Workspace(tmp_path, small_emulator)
    try:
        run = workspace.read(ALL_STREAMS)
    finally:
        small_emulator.configure(quirks={"query_api_available": True})

    assert run.returncode == 0, run.errors
    # Without /query/, the HogQL tables with no REST list to fall back on have no records, and say so.
    query_only = {s.name for s in STREAMS if isinstance(s.read, TableSpec) and s.read.fallback is None}
    assert set(run.counts()) == set(ALL_STREAMS) - (set() if query_api else query_only)
    assert query_api or all(any(f"stream {name} has no records" in line for line in run.logs) for name in query_only)
    assert schema_errors(run, declared_schemas(workspace)) == []
