"""One failing stream does not fail a dlt load (issue 25), as in the Airbyte and Singer front ends (issue 22).

`source-posthog-load` and `load_posthog`: the failed stream's resource ends, what it read before the failure is
loaded with its checkpoint, the other streams are loaded, and then the failed streams are named (the command: a
FAILED mark in the summary, a last ERROR line and exit code 1; the Python API: one ConnectorError). A plain
`pipeline.run(posthog(...))` keeps dlt's own rule: a resource's error fails the run and nothing of it is loaded.
"""

import io
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

dlt = pytest.importorskip("dlt", reason="dlt is not installed: pip install 'source-posthog[dlt]'")

from dlt.pipeline.exceptions import PipelineStepFailed  # noqa: E402

from integration_tests.dlt_helpers import DATASET, by_project, fast_config, rows, table_keys, write_config  # noqa: E402
from integration_tests.reliability import intercept  # noqa: E402
from posthog_emulator import Emulator, EmulatorSettings  # noqa: E402
from posthog_emulator.common.web import Response  # noqa: E402
from source_posthog.dlt import load_posthog, posthog  # noqa: E402
from source_posthog.dlt.cli import main  # noqa: E402
from source_posthog.errors import ConnectorError  # noqa: E402

STREAMS = ["cohorts", "events", "persons"]
PAGE = 200
FAIL_AFTER = 12  # events page queries answered before the events read fails
BAD_REQUEST = {"type": "validation_error", "code": "invalid_input", "detail": "Bad request.", "attr": None}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    with Emulator(EmulatorSettings(seed=47, events=3_000, projects=2, edge_projects=False)) as emulator:
        yield emulator


def refuse(matches: Callable[[Any], bool]) -> Callable[[Any, Any], Any]:
    """A hook answering 400 (a system error: never retried, not a config error) to the requests `matches` picks."""

    def hook(req: Any, outcome: Any) -> Any:
        if matches(req):
            outcome.response = Response(400, BAD_REQUEST)
        return outcome

    return hook


def events_pages_after(n: int) -> Callable[[Any], bool]:
    """Matches the events page queries after the first `n`: the events read fails midway."""
    seen = Counter[str]()

    def matches(req: Any) -> bool:
        if "ORDER BY timestamp ASC, uuid ASC" not in req.body.decode(errors="replace"):
            return False
        seen["pages"] += 1
        return seen["pages"] > n

    return matches


def assert_complete_and_unique(path: Path, emu: Emulator, stream: str) -> None:
    keys = table_keys(path, stream)
    assert not [key for key, n in Counter(map(str, keys)).items() if n > 1], f"{stream}: duplicates"
    assert by_project(keys) == {pid: ids for pid, ids in emu.truth(stream).items() if ids}, stream


def pipeline_in(folder: Path) -> Any:
    return dlt.pipeline(
        "posthog_failures",
        destination=dlt.destinations.duckdb(str(folder / "posthog.duckdb")),
        dataset_name=DATASET,
        pipelines_dir=str(folder / "pipelines"),
    )


def test_given_one_stream_refused_when_command_run_then_others_loaded_failed_listed_and_exit_1(
    emu: Emulator, tmp_path: Path
) -> None:
    intercept(emu, refuse(lambda req: "/cohorts" in req.path))
    config = write_config(tmp_path, fast_config(emu))
    database = tmp_path / "posthog.duckdb"
    out, err = io.StringIO(), io.StringIO()
    code = main(["--config", config, "--duckdb", str(database), "--streams", ",".join(STREAMS)], out, err)
    assert code == 1
    summary = {line.split()[0]: line.split()[1:] for line in out.getvalue().splitlines()[1:]}
    assert summary["cohorts"] == ["0", "0", "FAILED"]
    assert summary["events"] == ["3,000", "3,000"]
    for stream in ("events", "persons"):
        assert_complete_and_unique(database, emu, stream)
    last = err.getvalue().strip().splitlines()[-1]
    assert last.startswith("ERROR 1 of 3 streams failed and were left INCOMPLETE: cohorts.")
    assert "Traceback" not in err.getvalue()
    assert emu.api_key not in out.getvalue() + err.getvalue()


def test_given_events_fail_midway_when_load_posthog_then_raises_after_others_and_rerun_goes_on(
    emu: Emulator, tmp_path: Path
) -> None:
    failing, late_pages = [True], events_pages_after(FAIL_AFTER)
    intercept(emu, refuse(lambda req: failing[0] and late_pages(req)))
    config = fast_config(emu, events_page_size=PAGE)
    with pytest.raises(ConnectorError, match=r"1 of 3 streams failed .*: events\. ") as raised:
        load_posthog(pipeline_in(tmp_path), streams=STREAMS, checkpoint_records=500, **config)
    assert raised.value.failure_type == "system_error"
    database = tmp_path / "posthog.duckdb"
    for stream in ("cohorts", "persons"):  # read after events failed
        assert_complete_and_unique(database, emu, stream)
    loaded = len(table_keys(database, "events"))
    assert 0 < loaded <= FAIL_AFTER * PAGE  # what was read before the failure, with its checkpoint

    failing[0] = False  # PostHog answers again
    result = load_posthog(pipeline_in(tmp_path), streams=["events"], checkpoint_records=500, **config)
    assert_complete_and_unique(database, emu, "events")
    assert result.rows["events"] <= 3_000 - loaded + PAGE  # goes on from the last loaded checkpoint


def test_given_one_stream_refused_when_plain_pipeline_run_then_run_fails_and_nothing_is_loaded(
    emu: Emulator, tmp_path: Path
) -> None:
    """Documented: without load_posthog, dlt's rule holds (a resource error fails the run), never a silent success."""
    intercept(emu, refuse(lambda req: "/cohorts" in req.path))
    pipeline = pipeline_in(tmp_path)
    with pytest.raises(PipelineStepFailed) as raised:
        pipeline.run(posthog(**fast_config(emu)).with_resources(*STREAMS))
    assert "cohorts" in str(raised.value)
    assert not (tmp_path / "posthog.duckdb").exists() or not [
        row
        for row in rows(tmp_path / "posthog.duckdb", "SELECT table_name FROM information_schema.tables")
        if row[0] in STREAMS
    ]
