"""The dlt front end against the emulator, through a real `dlt.pipeline(destination="duckdb")`.

Every stream's table is complete and unique by primary key; a second run loads only new events (plus the lookback)
and merges them; column types are the schema's (JSON objects, timestamps). The command's kill-and-rerun and its
bad input: test_dlt_command.py.
"""

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

dlt = pytest.importorskip("dlt", reason="dlt is not installed: pip install 'source-posthog[dlt]'")

from integration_tests.dlt_helpers import DATASET, by_project, column_types, fast_config, rows, table_keys  # noqa: E402
from posthog_emulator import Emulator, EmulatorSettings  # noqa: E402
from source_posthog.dlt import posthog  # noqa: E402
from source_posthog.streams.table import STREAMS  # noqa: E402


def load(emu: Emulator, folder: Path, streams: tuple[str, ...] = (), **config: Any) -> Any:
    """One pipeline run into `folder/posthog.duckdb`; the same folder resumes from the same state."""
    pipeline = dlt.pipeline(
        "posthog_test",
        destination=dlt.destinations.duckdb(str(folder / "posthog.duckdb")),
        dataset_name=DATASET,
        pipelines_dir=str(folder / "pipelines"),
    )
    source = posthog(**fast_config(emu, **config))
    pipeline.run(source.with_resources(*streams) if streams else source)
    return pipeline


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorSettings(seed=31, events=1_500)) as emulator:
        yield emulator


@pytest.fixture(scope="module")
def loaded(emu: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every stream loaded once; the DuckDB file."""
    folder = tmp_path_factory.mktemp("dlt")
    load(emu, folder)
    return folder / "posthog.duckdb"


@pytest.mark.parametrize("stream", [stream.name for stream in STREAMS])
def test_given_full_load_when_reading_tables_then_each_stream_complete_and_unique(
    loaded: Path, emu: Emulator, stream: str
) -> None:
    truth = emu.truth(stream)
    keys = table_keys(loaded, stream) if any(truth.values()) else []  # no rows, no table
    assert not [key for key, n in Counter(map(str, keys)).items() if n > 1], f"{stream}: duplicate keys"
    if stream == "annotations":  # org-scoped: listed by every project of the organization, kept once
        assert sorted(key for _, key in keys) == emu.truth(stream, unique=True)
        return
    expected = {project_id: ids for project_id, ids in truth.items() if ids}
    assert by_project(keys) == expected


def test_given_full_load_when_describing_events_and_persons_then_json_and_timestamp_columns(loaded: Path) -> None:
    events = column_types(loaded, "events")
    assert events["timestamp"] == "TIMESTAMP WITH TIME ZONE"
    assert {events[name] for name in ("properties", "person", "elements")} == {"JSON"}
    assert events["id"] == "VARCHAR"
    assert not [name for name in events if name.startswith("properties__")]  # not exploded into columns
    persons = column_types(loaded, "persons")
    assert persons["created_at"] == persons["last_seen_at"] == "TIMESTAMP WITH TIME ZONE"
    assert persons["properties"] == persons["distinct_ids"] == "JSON"
    assert persons["is_identified"] == "BOOLEAN"
    assert not [row for row in rows(loaded, "SELECT table_name FROM information_schema.tables") if "__" in row[0]]


def test_given_loaded_events_when_new_events_arrive_then_second_run_loads_only_them_and_the_lookback(
    tmp_path: Path,
) -> None:
    with Emulator(EmulatorSettings(seed=37, events=1_000, projects=2)) as emu:
        first = load(emu, tmp_path, ("events",))
        assert first.last_trace.last_normalize_info.row_counts["events"] == 1_000
        now = datetime.now(UTC)
        project_id = emu.project_ids[0]
        new = emu.append_events(project_id, [{"timestamp": now - timedelta(seconds=i)} for i in range(25)])
        second = load(emu, tmp_path, ("events",))
        loaded_again = second.last_trace.last_normalize_info.row_counts["events"]
        assert 25 <= loaded_again < 1_000  # the new events and whatever the lookback re-reads, not the history
        keys = table_keys(tmp_path / "posthog.duckdb", "events")
        assert by_project(keys) == {pid: ids for pid, ids in emu.truth("events").items() if ids}
        assert set(new) <= {key for _, key in keys}
        state = second.state["sources"]["posthog"]["resources"]["events"]["stream_state"]
        assert set(state) == {str(pid) for pid in emu.project_ids}  # the Airbyte stream state, per project


def test_given_api_key_in_dlt_secrets_when_source_built_without_it_then_loads(
    emu: Emulator, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SOURCES__POSTHOG__API_KEY", emu.api_key)
    config = {key: value for key, value in fast_config(emu).items() if key != "api_key"}
    pipeline = dlt.pipeline(
        "posthog_secret",
        destination=dlt.destinations.duckdb(str(tmp_path / "p.duckdb")),
        dataset_name=DATASET,
        pipelines_dir=str(tmp_path / "pipelines"),
    )
    pipeline.run(posthog(**config).with_resources("projects"))
    assert pipeline.last_trace.last_normalize_info.row_counts["projects"] == len(emu.project_ids)


def test_given_source_when_listing_resources_then_one_per_stream_with_keys_and_dispositions(emu: Emulator) -> None:
    source = posthog(**fast_config(emu))
    assert list(source.resources) == [stream.name for stream in STREAMS]
    for stream in STREAMS:
        resource = source.resources[stream.name]
        hints = resource.compute_table_schema()
        assert hints.get("write_disposition") == ("merge" if stream.cursor_field else "replace")
        keys = [name for name, column in hints["columns"].items() if column.get("primary_key")]
        assert sorted(keys) == sorted(stream.primary_key)
