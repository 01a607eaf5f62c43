"""Custom HogQL queries as streams (issue 24), driven through the CLIs against the emulator.

The three README examples (read from README.md, so the documented config is the tested one) must each be
complete and unique against the emulator's truth; an incremental second sync reads only new rows plus the
lookback; a killed read resumes without loss; a refused query and a non-unique key are reported by stream;
tap-posthog offers the same streams.
"""

import io
import json
import re
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from integration_tests.contract_check import violations
from integration_tests.helpers import Run, config_for, run_and_kill, run_connector, state_file_from, write_json
from integration_tests.test_singer import run_tap, singer_catalog
from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.tables.warehouse import stripe_charges
from source_posthog.streams.query.sql import HogQLTable, KeyColumn, KeyType, build_query, hogql_body

README = Path(__file__).resolve().parent.parent / "README.md"
EXAMPLE = re.compile(r"<!-- custom-queries-example -->\s*```json\n(.*?)```", re.DOTALL)
PROJECT = 101
GENERATIONS, EXCEPTIONS = 150, 60
MODELS = ("gpt-4o-mini", "claude-sonnet-4", "gemini-2.5-flash")


def readme_queries() -> list[dict[str, Any]]:
    """The `custom_queries` of README's example block."""
    match = EXAMPLE.search(README.read_text(encoding="utf-8"))
    assert match, "README.md lost its custom-queries example block"
    queries: list[dict[str, Any]] = json.loads(match.group(1))["custom_queries"]
    return queries


def generation(i: int, at: datetime) -> dict[str, Any]:
    """An `$ai_generation` event as PostHog's LLM SDKs send it (numbers sometimes as text)."""
    tokens = 100 + i
    properties = {
        "$ai_trace_id": f"trace-{i // 3}",
        "$ai_model": MODELS[i % 3],
        "$ai_provider": "openai",
        "$ai_input_tokens": tokens,
        "$ai_output_tokens": str(tokens // 2),
        "$ai_total_cost_usd": round(tokens * 1e-5, 6),
        "$ai_latency": "n/a" if i % 50 == 0 else 0.5 + i / 100,
    }
    return {
        "event": "$ai_generation",
        "timestamp": at.isoformat(),
        "distinct_id": f"user-{i % 7}",
        "properties": properties,
    }


def exception(i: int, at: datetime) -> dict[str, Any]:
    """An `$exception` event after error tracking grouped it into an issue."""
    properties = {
        "$exception_issue_id": f"issue-{i % 4}",
        "$exception_type": "TypeError",
        "$exception_message": f"x is undefined ({i})",
        "$exception_level": "error",
    }
    return {
        "event": "$exception",
        "timestamp": at.isoformat(),
        "distinct_id": f"user-{i % 5}",
        "properties": properties,
    }


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    """A small emulator whose first project holds LLM generations and exceptions, at least 2 h old."""
    emulator = Emulator(EmulatorSettings(seed=24, events=3000, projects=2, edge_projects=False)).start()
    now = datetime.now(UTC).replace(microsecond=0)
    emulator.append_events(PROJECT, [generation(i, now - timedelta(hours=3, minutes=i)) for i in range(GENERATIONS)])
    emulator.append_events(PROJECT, [exception(i, now - timedelta(hours=2, minutes=i)) for i in range(EXCEPTIONS)])
    yield emulator
    emulator.stop()


def config(emu: Emulator, folder: Path, queries: list[dict[str, Any]], **overrides: Any) -> str:
    """A config with these custom queries (two projects, so per-project state and keys are exercised)."""
    body = config_for(emu.base_url, emu.api_key, custom_queries=queries, **{"project_ids": [101, 102], **overrides})
    return write_json(folder, "config.json", body)


def catalog(streams: list[dict[str, Any]]) -> dict[str, Any]:
    """A configured catalog: streams with a cursor incremental, the others full refresh."""
    entries = []
    for query in streams:
        mode = "incremental" if query.get("cursor_field") else "full_refresh"
        stream = {"name": query["name"], "json_schema": {}, "supported_sync_modes": ["full_refresh", "incremental"]}
        entries.append({"stream": stream, "sync_mode": mode, "destination_sync_mode": "append"})
    return {"streams": entries}


def read(emu: Emulator, folder: Path, queries: list[dict[str, Any]], state: str | None = None, **overrides: Any) -> Run:
    args = ["read", "--config", config(emu, folder, queries, **overrides)]
    args += ["--catalog", write_json(folder, "catalog.json", catalog(queries))]
    return run_connector(args + (["--state", state] if state else []))


def truth(emu: Emulator, name: str) -> Counter[tuple[Any, ...]]:
    """(project_id, key) of every row each example must deliver exactly once."""
    if name == "stripe_charges":
        rows = {pid: stripe_charges(emu.app.rt, pid) for pid in (101, 102)}
        return Counter((pid, row["id"]) for pid, found in rows.items() for row in found if row["status"] == "succeeded")
    event = {"llm_generations": "$ai_generation", "exceptions": "$exception"}[name]
    found = requests_rows(emu, event)
    return Counter((PROJECT, uuid) for uuid in found)


def requests_rows(emu: Emulator, event: str) -> list[str]:
    """The uuids of the project's events of this name, as stored."""
    store = emu.app.rt.dataset.events[PROJECT]
    return [store.uuid(i) for i in range(len(store)) if store.event(i) == event]


def keys(run: Run, name: str, key: str) -> Counter[tuple[Any, ...]]:
    return Counter((record["project_id"], record[key]) for record in run.records(name))


def test_given_readme_examples_when_read_then_each_complete_unique_and_typed(emu: Emulator, tmp_path: Path) -> None:
    queries = readme_queries()
    run = read(emu, tmp_path, queries)
    assert run.returncode == 0, run.errors
    for query in queries:
        found = keys(run, query["name"], query["primary_key"][0])
        assert found == truth(emu, query["name"]), query["name"]
        assert max(found.values()) == 1
    generations = run.records("llm_generations")
    assert {type(r["cost_usd"]) for r in generations} == {float}
    assert {type(r["output_tokens"]) for r in generations} == {int}  # sent as text, cast by toInt
    assert sum(r["latency_s"] is None for r in generations) == GENERATIONS // 50  # "n/a" is null, not a failure
    assert {r["issue_id"] for r in run.records("exceptions")} == {f"issue-{i}" for i in range(4)}
    assert {type(r["amount"]) for r in run.records("stripe_charges")} == {int}


def test_given_examples_when_discovered_then_schemas_follow_posthog_types(emu: Emulator, tmp_path: Path) -> None:
    queries = readme_queries()
    discovered = run_connector(["discover", "--config", config(emu, tmp_path, queries)])
    (message,) = discovered.of_type("CATALOG")
    streams = {s["name"]: s for s in message["catalog"]["streams"]}
    generations = streams["llm_generations"]
    props = generations["json_schema"]["properties"]
    assert props["cost_usd"]["type"] == ["number", "null"]
    assert props["input_tokens"]["type"] == ["integer", "null"]
    assert props["timestamp"] == {"type": "string", "format": "date-time"}
    assert props["model"]["type"] == ["string", "null"]
    assert generations["source_defined_primary_key"] == [["project_id"], ["uuid"]]
    assert generations["default_cursor_field"] == ["timestamp"]
    assert "incremental" not in streams["stripe_charges"]["supported_sync_modes"]
    run = read(emu, tmp_path, queries)
    for query in queries:
        schema = streams[query["name"]]["json_schema"]
        for record in run.records(query["name"]):
            jsonschema.validate(record, schema)


def test_given_incremental_state_when_synced_again_then_only_new_rows_and_lookback(
    emu: Emulator, tmp_path: Path
) -> None:
    (query,) = [q for q in readme_queries() if q["name"] == "llm_generations"]
    first = read(emu, tmp_path, [query])
    assert first.returncode == 0, first.errors
    state = first.last_state("llm_generations")
    assert state is not None
    saved = datetime.fromisoformat(state["stream"]["stream_state"][str(PROJECT)]["timestamp"])
    now = datetime.now(UTC)
    late = emu.append_events(PROJECT, [generation(900, saved - timedelta(minutes=30))])  # inside the lookback
    new = emu.append_events(PROJECT, [generation(1000 + i, now + timedelta(seconds=i - 5)) for i in range(3)])
    emu.append_events(PROJECT, [generation(2000, saved - timedelta(minutes=90))])  # before it: not re-read
    second = read(emu, tmp_path, [query], state=state_file_from(first, tmp_path))
    assert second.returncode == 0, second.errors
    assert sorted(r["uuid"] for r in second.records("llm_generations")) == sorted(late + new)


def test_given_read_killed_when_resumed_from_last_state_then_nothing_lost(emu: Emulator, tmp_path: Path) -> None:
    (query,) = [q for q in readme_queries() if q["name"] == "exceptions"]
    args = ["read", "--config", config(emu, tmp_path, [query], events_page_size=7)]
    args += ["--catalog", write_json(tmp_path, "catalog.json", catalog([query]))]
    killed = run_and_kill(args, b'{"type":"RECORD","record":{"stream":"exceptions"', 25, tmp_path / "stderr.txt")
    assert killed.returncode != 0
    assert 0 < len(killed.records("exceptions")) < EXCEPTIONS
    resumed = run_connector([*args, "--state", state_file_from(killed, tmp_path)])
    assert resumed.returncode == 0, resumed.errors
    both = keys(killed, "exceptions", "uuid") + keys(resumed, "exceptions", "uuid")
    assert set(both) == set(truth(emu, "exceptions"))
    assert max(both.values()) == 1  # resumed strictly after the checkpointed row: nothing twice


def test_given_refused_query_when_checked_and_read_then_config_error_names_stream(
    emu: Emulator, tmp_path: Path
) -> None:
    broken = {"name": "broken_charges", "query": "SELECT id FROM stripe_charges_typo", "primary_key": ["id"]}
    checked = run_connector(["check", "--config", config(emu, tmp_path, [broken])])
    status = checked.connection_status
    assert status["status"] == "FAILED"
    assert "broken_charges" in status["message"]
    assert "stripe_charges_typo" in status["message"]
    assert status["message"].startswith("Every built-in stream is readable, but: Custom query stream broken_charges")
    run = read(emu, tmp_path, [broken])
    (error,) = run.errors
    assert error["failure_type"] == "config_error"
    assert "broken_charges" in error["message"]
    assert "Unknown table `stripe_charges_typo`" in error["message"]


def test_given_non_unique_key_when_read_then_warn_names_stream_and_key(emu: Emulator, tmp_path: Path) -> None:
    by_model = {
        "name": "generation_models",
        "query": "SELECT properties.$ai_model AS model, uuid FROM events WHERE event = '$ai_generation'",
        "primary_key": ["model"],
    }
    run = read(emu, tmp_path, [by_model])
    assert run.returncode == 0, run.errors
    warnings = [line for line in run.logs if "generation_models" in line and "not unique" in line]
    assert warnings
    assert "(model)" in warnings[0]
    assert any(repr(model) in warnings[0] for model in MODELS)


def test_given_examples_when_tap_posthog_discovers_and_syncs_then_same_streams(emu: Emulator, tmp_path: Path) -> None:
    queries = readme_queries()
    config_path = config(emu, tmp_path, queries)
    names = tuple(query["name"] for query in queries)
    tap = run_tap(["--config", config_path, "--catalog", singer_catalog(tmp_path, names, config_path)])
    assert tap.returncode == 0, tap.stderr
    airbyte = read(emu, tmp_path, queries)
    for query in queries:
        key = query["primary_key"][0]
        singer = Counter((r["project_id"], r[key]) for r in tap.records(query["name"]))
        assert singer == keys(airbyte, query["name"], key) == truth(emu, query["name"])
    schemas = {m["stream"]: m["schema"] for m in tap.messages if m["type"] == "SCHEMA"}
    assert schemas["llm_generations"]["properties"]["cost_usd"]["type"] == ["number", "null"]


def test_given_a_custom_query_request_when_held_to_the_contract_then_only_the_wrapper_is_the_connectors() -> None:
    page = build_query(
        HogQLTable("custom x", ("id",), (KeyColumn("id", KeyType.TEXT),), source="(SELECT a.b FROM t)"), "", 5
    )
    custom = {
        "method": "POST",
        "path": "/api/projects/7/query/",
        "query": {},
        "headers": {"user_agent": "source-posthog/1"},
    }
    assert violations({**custom, "body": {**page, "name": "source-posthog custom x"}}) == []
    odd = hogql_body("SELECT nope(id) FROM (SELECT id FROM t) LIMIT 1", {}, "source-posthog custom x columns")
    assert any("function `nope`" in problem for problem in violations({**custom, "body": odd}))
    unnamed = {**page, "name": "source-posthog persons"}  # a built-in reader never sends a subquery
    assert any("outside the modelled shape" in problem for problem in violations({**custom, "body": unnamed}))


def test_given_windows_past_the_time_limit_when_read_then_split_and_complete(tmp_path: Path) -> None:
    """A window PostHog cannot answer within its 10 s is split in halves, as events windows are."""
    emulator = Emulator(EmulatorSettings(seed=25, events=500, projects=1, edge_projects=False)).start()
    try:
        now = datetime.now(UTC).replace(microsecond=0)
        ids = emulator.append_events(PROJECT, [generation(i, now - timedelta(hours=3, minutes=i)) for i in range(150)])
        # A page of more than 100 rows takes PostHog over its 10 s: one window of all 150 cannot be answered.
        emulator.configure(limits={"query_cost": {"per_returned_row_s": 0.1, "time_limit_s": 10}})
        (query,) = [q for q in readme_queries() if q["name"] == "llm_generations"]
        run = read(emulator, tmp_path, [query], events_page_size=1000, project_ids=[PROJECT])
        assert run.returncode == 0, run.errors
        assert sorted(r["uuid"] for r in run.records("llm_generations")) == sorted(ids)
        costs = [entry["query_cost"] for entry in emulator.requests if "query_cost" in entry]
        assert any(cost["timed_out"] for cost in costs)
    finally:
        emulator.stop()


def test_given_examples_when_loaded_through_dlt_then_tables_complete_unique_and_typed(
    emu: Emulator, tmp_path: Path
) -> None:
    """`source-posthog-load` offers the custom query streams too, typed as PostHog's answer types them."""
    pytest.importorskip("dlt", reason="dlt is not installed: pip install 'source-posthog[dlt]'")
    from integration_tests.dlt_helpers import DATASET, column_types, fast_config, rows, write_config
    from source_posthog.dlt.cli import main

    queries = readme_queries()
    body = fast_config(emu, custom_queries=queries, project_ids=[101, 102])
    database = tmp_path / "posthog.duckdb"
    names = ",".join(query["name"] for query in queries)
    argv = ["--config", write_config(tmp_path, body), "--duckdb", str(database), "--streams", names]
    out, err = io.StringIO(), io.StringIO()
    assert main(argv, out, err) == 0, err.getvalue()
    for query in queries:
        key = query["primary_key"][0]
        found = rows(database, f'SELECT project_id, {key} FROM {DATASET}."{query["name"]}"')  # noqa: S608
        assert Counter(map(tuple, found)) == truth(emu, query["name"]), query["name"]
    types = column_types(database, "llm_generations")
    assert (types["cost_usd"], types["input_tokens"], types["timestamp"]) == (
        "DOUBLE",
        "BIGINT",
        "TIMESTAMP WITH TIME ZONE",
    )
