"""One failing stream never sinks the sync, through the CLI against the emulator (issue 22, item 3).

A stream that fails for any reason but a config error ends INCOMPLETE with an error trace naming it; the other
streams are still read; the read exits 1 with one final message listing the failed streams. A config error
(a key PostHog rejects) still stops at once. A looping `next` (posthog#13508) does not fail its stream.
"""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run, catalog_for, config_for, run_connector, write_json
from integration_tests.reliability import intercept
from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.common.web import Response
from source_posthog.streams.table import STREAMS as TABLE

# The original per-project streams, in the table's (= reading) order.
STREAMS = tuple(stream.name for stream in TABLE if stream.original and stream.per_project)
BAD_KEY = "phx_revokedKey0123456789abcdef0123456789"
SHORT_PAGE = 10  # the looping insights list hands out pages of this many


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """A small emulator of its own: each test rewires its answers."""
    emulator = Emulator(EmulatorSettings(seed=5, events=600, projects=2, edge_projects=False, persons_per_project=40))
    yield emulator.start()
    emulator.stop()


def statuses(run: Run) -> dict[str, str]:
    """The last STREAM_STATUS of each stream."""
    traces = [m["trace"] for m in run.of_type("TRACE") if m["trace"]["type"] == "STREAM_STATUS"]
    return {t["stream_status"]["stream_descriptor"]["name"]: t["stream_status"]["status"] for t in traces}


def complete_and_unique(run: Run, emu: Emulator, stream: str) -> bool:
    """Every id of the emulator's truth delivered, none twice."""
    delivered = Counter(str(record["id"]) for record in run.records(stream))
    return sorted(delivered) == sorted(map(str, emu.truth(stream, unique=True))) and max(delivered.values()) == 1


def answer_400_for(path_part: str) -> Any:
    """A hook making PostHog refuse one list with a 400 (a system error: never retried, not the user's to fix)."""

    def hook(req: Any, outcome: Any) -> Any:
        if path_part in req.path:
            detail = {"type": "validation_error", "code": "invalid_input", "detail": "Bad request.", "attr": None}
            outcome.response = Response(400, detail)
        return outcome

    return hook


def looping_next(req: Any, outcome: Any) -> Any:
    """Insights in pages of SHORT_PAGE whose `next` is the URL just fetched (posthog#13508); null on the last."""
    if "/insights" not in req.path or not isinstance(outcome.response.payload, dict):
        return outcome
    page = outcome.response.payload
    more = len(page["results"]) > SHORT_PAGE or page.get("next")
    page["results"] = page["results"][:SHORT_PAGE]
    page["next"] = req.url() if more else None
    return outcome


class TestOneStreamFails:
    def test_given_system_error_in_one_stream_when_read_then_others_complete_and_exit_one_naming_it(
        self, emu: Emulator, tmp_path: Path
    ) -> None:
        intercept(emu, answer_400_for("/cohorts"))

        run = Workspace(tmp_path, emu).read(STREAMS)

        assert run.returncode == 1
        others = [stream for stream in STREAMS if stream != "cohorts"]
        assert others
        assert "cohorts" in STREAMS
        assert statuses(run) == {"cohorts": "INCOMPLETE"} | dict.fromkeys(others, "COMPLETE")
        for stream in others:
            assert complete_and_unique(run, emu, stream), stream
        stream_error, final = run.errors
        assert stream_error["stream_descriptor"] == {"name": "cohorts"}
        assert stream_error["failure_type"] == "system_error"
        assert "400" in stream_error["message"]
        assert final["message"].startswith(f"1 of {len(STREAMS)} streams failed and were left INCOMPLETE: cohorts.")
        assert emu.api_key not in run.stdout + run.stderr

    def test_given_key_rejected_when_read_then_stops_at_once_with_one_config_error(
        self, emu: Emulator, tmp_path: Path
    ) -> None:
        config = write_json(tmp_path, "config.json", config_for(emu.base_url, BAD_KEY))
        catalog = write_json(tmp_path, "catalog.json", catalog_for(STREAMS))

        run = run_connector(["read", "--config", config, "--catalog", catalog])

        assert run.returncode == 1
        (error,) = run.errors
        assert error["failure_type"] == "config_error"
        assert "rejected the API key" in error["message"]
        assert run.records() == []
        assert BAD_KEY not in run.stdout + run.stderr

    def test_given_key_revoked_mid_sync_when_read_then_stops_at_once_and_later_streams_never_asked(
        self, emu: Emulator, tmp_path: Path
    ) -> None:
        def revoke_at_insights(req: Any, outcome: Any) -> Any:
            if "/insights" in req.path:
                body = {"type": "authentication_error", "code": "authentication_failed", "detail": "Invalid key."}
                outcome.response = Response(401, {**body, "attr": None})
            return outcome

        intercept(emu, revoke_at_insights)

        run = Workspace(tmp_path, emu).read(STREAMS)

        assert run.returncode == 1
        before = STREAMS[: STREAMS.index("insights")]
        assert before
        assert statuses(run) == dict.fromkeys(before, "COMPLETE") | {"insights": "INCOMPLETE"}
        (error,) = run.errors
        assert error["failure_type"] == "config_error"
        assert not [entry for entry in emu.requests if "/query" in entry["path"] or "/persons" in entry["path"]]


class TestLoopingNext:
    def test_given_insights_next_looping_when_read_then_insights_complete_with_one_warning_per_list(
        self, emu: Emulator, tmp_path: Path
    ) -> None:
        intercept(emu, looping_next)

        run = Workspace(tmp_path, emu).read(("insights", "events", "persons"))

        assert run.returncode == 0, run.errors
        assert set(statuses(run).values()) == {"COMPLETE"}
        for stream in ("insights", "events", "persons"):
            assert complete_and_unique(run, emu, stream), stream
        warnings = [line for line in run.logs if "posthog#13508" in line]  # each list loops on two of its 3 pages
        projects = sorted(emu.truth("insights"))
        assert len(warnings) == len(projects) == 2
        assert all(f"projects/{pid}/insights/" in line for pid, line in zip(projects, warnings, strict=True))
        assert all("reading on with offsets computed from our own requests" in line for line in warnings)
