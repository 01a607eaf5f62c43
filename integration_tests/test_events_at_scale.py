"""Events under PostHog Cloud's real limits, through the CLI: the 10-second query limit, 3 queries in flight,
duplicate rows ClickHouse keeps until a merge, and the 402 of a spent query quota (posthog-api §10)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run, catalog_for, run_and_kill, write_json
from integration_tests.test_events import EVENTS, assert_exactly_once, event_ids
from posthog_emulator import Emulator, EmulatorSettings

# ClickHouse-like cost, scaled so tests take no time: matched (sorted) rows dominate; a query matching more
# than 4,000 rows of a day's window passes PostHog's limit (10 s) and is answered with its 504.
DENSE_COST = {"fixed_s": 0.1, "per_scanned_row_s": 1e-5, "per_matched_row_s": 2.4e-3, "time_limit_s": 10.0}


@pytest.fixture
def dense() -> Iterator[Emulator]:
    """One dense project: 30,000 events over 20 days (1,500 a day), every quirk on."""
    emu = Emulator(EmulatorSettings(seed=41, events=30_000, projects=1, edge_projects=False, span_days=20)).start()
    emu.configure(limits={"query_cost": DENSE_COST})
    yield emu
    emu.stop()


def query_log(emu: Emulator) -> list[dict[str, Any]]:
    return [entry for entry in emu.requests if entry["path"].endswith("/query/")]


def is_page(entry: dict[str, Any]) -> bool:
    """A keyset page query (not a count or the density query)."""
    return "ORDER BY timestamp ASC, uuid ASC" in str(entry.get("body"))


def read_completely(emu: Emulator, folder: Path, **overrides: Any) -> Run:
    """Read the events with these config overrides; it must succeed with every event exactly once."""
    page_size = overrides.pop("page_size")
    run = Workspace(folder, emu).read(EVENTS, events_page_size=page_size, events_time_step=30, **overrides)
    assert run.returncode == 0, run.errors
    assert_exactly_once(event_ids(run), emu.truth("events"))
    return run


def timed_out(emu: Emulator) -> int:
    return sum(bool((entry.get("query_cost") or {}).get("timed_out")) for entry in query_log(emu))


def test_given_a_dense_project_when_read_then_windows_sized_by_data_fit_the_time_limit(
    dense: Emulator, tmp_path: Path
) -> None:
    # A fixed 30-day window would match all 30,000 rows on every page: 72 s, far past the 10 s limit.
    read_completely(dense, tmp_path, page_size=2_000)
    assert timed_out(dense) == 0
    pages = [entry["query_cost"]["matched_rows"] for entry in query_log(dense) if is_page(entry)]
    assert max(pages) <= 4_000, max(pages)  # every page query sorted about one page, not the whole range
    assert len(query_log(dense)) <= 30_000 // 2_000 * 2 + 5  # requests stay ~ rows / page size


def test_given_pages_too_big_for_the_time_limit_when_read_then_split_and_never_retried_as_is(
    dense: Emulator, tmp_path: Path
) -> None:
    # Windows planned for 20,000-row pages match ~20,000 rows: PostHog answers 504; the reader splits them.
    run = read_completely(dense, tmp_path, page_size=20_000)
    assert timed_out(dense) >= 1
    bodies = [entry.get("body") for entry in query_log(dense) if entry["status"] == 504]
    assert len(bodies) == len({str(body) for body in bodies})  # no timed-out query was sent twice
    assert not [log for log in run.logs if log.startswith("Retrying") and "504" in log]


def read_in_flight(folder: Path, events: int, posthog_allows: int, we_send: int) -> tuple[Run, list[dict[str, Any]]]:
    """A complete read of one project whose queries take 0.15 s each; the run and the emulator's /query/ log."""
    settings = EmulatorSettings(seed=43, events=events, projects=1, edge_projects=False, span_days=10)
    with Emulator(settings) as emu:
        emu.configure(limits={"query_concurrency": posthog_allows, "query_cost": {"fixed_s": 0.15, "sleep": True}})
        run = read_completely(emu, folder, page_size=1_000, max_concurrent_queries=we_send)
        return run, query_log(emu)


def test_given_three_queries_in_flight_when_read_then_side_by_side_without_a_429(tmp_path: Path) -> None:
    _, log = read_in_flight(tmp_path, 12_000, posthog_allows=3, we_send=3)
    assert [entry for entry in log if entry["status"] == 429] == []
    assert max_in_flight(log) == 3


def test_given_more_in_flight_than_posthog_allows_when_read_then_the_429s_lower_the_concurrency(
    tmp_path: Path,
) -> None:
    run, log = read_in_flight(tmp_path, 8_000, posthog_allows=2, we_send=5)
    refused = [entry for entry in log if entry["status"] == 429]
    assert refused
    assert all(entry.get("retry_after") is None for entry in refused)  # PostHog's concurrency answer
    assert any("too many queries running" in log for log in run.logs)


def test_given_unmerged_duplicate_rows_when_read_then_each_event_once(tmp_path: Path) -> None:
    settings = EmulatorSettings(seed=45, events=6_000, projects=2)
    with Emulator(settings) as emu:
        emu.configure(quirks={"duplicate_rows": 0.2})
        run = Workspace(tmp_path, emu).read(EVENTS, events_page_size=500)
        assert run.returncode == 0, run.errors
        assert emu.duplicated_ids(101)  # the emulator did serve twin rows
        assert_exactly_once(event_ids(run), emu.truth("events"))


def test_given_the_query_quota_is_spent_when_read_then_a_config_error_that_says_so(
    workspace: Workspace, emulator: Emulator
) -> None:
    emulator.configure(quirks={"query_quota_exceeded": True})
    try:
        run = workspace.read(EVENTS)
    finally:
        emulator.configure(quirks={"query_quota_exceeded": False})
    assert run.returncode == 1
    assert run.errors[-1]["failure_type"] == "config_error"
    assert "query quota is used up" in run.errors[-1]["message"]


def max_in_flight(log: list[dict[str, Any]]) -> int:
    """The most queries the emulator was answering at one moment, from each entry's start and duration."""
    edges = []
    for entry in log:
        start, seconds = entry["time"], (entry.get("query_cost") or {}).get("simulated_s", 0.0)
        edges += [(start, 1), (start + seconds, -1)]
    running = peak = 0
    for _, change in sorted(edges):
        running += change
        peak = max(peak, running)
    return peak


def test_given_a_smaller_hourly_budget_than_documented_when_read_then_the_pacer_learns_it(tmp_path: Path) -> None:
    # Like a legacy team on 120 queries/h: PostHog's long bucket refuses after 5 queries and asks to wait
    # longer than its minute window; the read must say once that it now paces to what that bucket allowed.
    settings = EmulatorSettings(seed=46, events=5_000, projects=1, edge_projects=False, span_days=10)
    with Emulator(settings) as emu:
        budget = {"burst": None, "sustained": 5, "sustained_period_s": 65.0}
        emu.configure(limits={"enabled": True, "classes": {"query": budget}})
        workspace = Workspace(tmp_path, emu)
        catalog = write_json(tmp_path, "catalog.json", catalog_for(EVENTS))
        args = ["read", "--config", workspace.config(events_page_size=500), "--catalog", catalog]
        marker = b'{"type":"LOG","log":{"level":"WARN","message":"PostHog\'s query budget is smaller'
        run = run_and_kill(args, marker, 1, tmp_path / "stderr.txt")
    (learned,) = [log for log in run.logs if "budget is smaller" in log]
    assert "pacing to 5 requests per window for the rest of the run" in learned
    refused = [entry for entry in query_log(emu) if entry["status"] == 429]
    assert len(refused) == 1
    assert 60 < float(refused[0]["retry_after"]) <= 65
