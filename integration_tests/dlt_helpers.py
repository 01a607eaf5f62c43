"""Helpers of the dlt tests: a fast config, a DuckDB pipeline in a folder, and the tables' keys."""

import json
from pathlib import Path
from typing import Any

import duckdb

from posthog_emulator import Emulator
from source_posthog.streams.table import STREAMS_BY_NAME

DATASET = "posthog_data"
# The emulator's limits are PostHog's; told far higher ones, the pacer never waits (only the emulator's data matters).
FAST = {"rate_limits": dict.fromkeys(("crud", "analytics", "persons", "query"), "100000/minute")}


def fast_config(emu: Emulator, **overrides: Any) -> dict[str, Any]:
    """The connector's config keys for `emu`, unpaced."""
    return {"api_key": emu.api_key, "base_url": emu.base_url, "start_date": "2020-01-01T00:00:00Z", **FAST, **overrides}


def write_config(folder: Path, config: dict[str, Any]) -> str:
    path = folder / "config.json"
    path.write_text(json.dumps(config), encoding="utf-8")
    return str(path)


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    """Run one query on a closed DuckDB file."""
    with duckdb.connect(str(path), read_only=True) as connection:
        return connection.sql(sql).fetchall()


def table_keys(path: Path, stream: str) -> list[tuple[int, Any]]:
    """(project_id, key as the emulator's truth writes it) for every row of a stream's table."""
    key = [name for name in STREAMS_BY_NAME[stream].primary_key if name != "project_id"]
    project = "id" if stream == "projects" else "project_id"
    found = rows(path, f'SELECT {project}, {", ".join(key)} FROM {DATASET}."{stream}"')  # noqa: S608
    return [(row[0], row[1] if len(row) == 2 else list(row[1:])) for row in found]


def by_project(keys: list[tuple[int, Any]]) -> dict[int, list[Any]]:
    out: dict[int, list[Any]] = {}
    for project_id, key in keys:
        out.setdefault(project_id, []).append(key)
    return {project_id: sorted(found) for project_id, found in out.items()}


def column_types(path: Path, table: str) -> dict[str, str]:
    where = f"table_schema = '{DATASET}' AND table_name = '{table}'"
    found = rows(path, f"SELECT column_name, data_type FROM information_schema.columns WHERE {where}")  # noqa: S608
    return {str(name): str(kind) for name, kind in found}
