"""events_include / events_exclude through the CLI: included events only, excluded never, on `/query/` and on
the `/events/` fallback; recorded in the state, and a changed filter warns without back-filling."""

from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import state_file_from
from integration_tests.test_events import EVENTS, assert_exactly_once, event_ids
from posthog_emulator import Emulator, EmulatorSettings

INCLUDE = ["$pageview", "signed_up"]
EXCLUDE = ["$autocapture", "$pageleave"]


@pytest.fixture(scope="module")
def small() -> Iterator[Emulator]:
    """Two projects (+ the 0- and 1-event ones), 3,000 events of seven names."""
    emu = Emulator(EmulatorSettings(seed=23, events=3_000, projects=2)).start()
    yield emu
    emu.stop()


def truth_where(emu: Emulator, keep: set[str] | None = None, drop: set[str] | None = None) -> dict[int, list[str]]:
    """The emulator's event ids per project whose name passes the filter."""
    out = {}
    for pid, store in emu.app.rt.dataset.events.items():
        names = [(store.uuid(i), store.event(i)) for i in range(len(store))]
        out[pid] = sorted(u for u, e in names if (keep is None or e in keep) and (drop is None or e not in drop))
    return out


def names_of(emu: Emulator, ids: set[str]) -> set[str]:
    return {
        store.event(i)
        for store in emu.app.rt.dataset.events.values()
        for i in range(len(store))
        if store.uuid(i) in ids
    }


@pytest.mark.parametrize("api", ["query", "events fallback"])
def test_given_include_list_when_read_then_exactly_the_included_events(
    small: Emulator, tmp_path: Path, api: str
) -> None:
    small.configure(quirks={"query_api_available": api == "query"})
    try:
        run = Workspace(tmp_path, small).read(EVENTS, events_include=INCLUDE)
    finally:
        small.configure(quirks={"query_api_available": True})

    assert run.returncode == 0, run.errors
    assert {r["event"] for r in run.records("events")} == set(INCLUDE)
    assert_exactly_once(event_ids(run), truth_where(small, keep=set(INCLUDE)))
    assert sum(map(len, event_ids(run).values())) == sum(map(len, truth_where(small, keep=set(INCLUDE)).values()))


@pytest.mark.parametrize("api", ["query", "events fallback"])
def test_given_exclude_list_when_read_then_excluded_events_never_delivered(
    small: Emulator, tmp_path: Path, api: str
) -> None:
    small.configure(quirks={"query_api_available": api == "query"})
    try:
        run = Workspace(tmp_path, small).read(EVENTS, events_exclude=EXCLUDE)
    finally:
        small.configure(quirks={"query_api_available": True})

    assert run.returncode == 0, run.errors
    assert not {r["event"] for r in run.records("events")} & set(EXCLUDE)
    assert_exactly_once(event_ids(run), truth_where(small, drop=set(EXCLUDE)))
    assert sum(map(len, event_ids(run).values())) == sum(map(len, truth_where(small, drop=set(EXCLUDE)).values()))


def test_given_filters_changed_after_a_sync_when_read_again_then_warned_and_nothing_back_filled(
    small: Emulator, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, small)
    first = workspace.read(EVENTS, events_include=["$pageview"])
    state = state_file_from(first, tmp_path)
    assert first.last_state()["stream"]["stream_state"]["event_filters"] == {"include": ["$pageview"], "exclude": []}  # type: ignore[index]

    second = workspace.read(EVENTS, state=state, events_include=["$pageview", "purchase"])

    assert second.returncode == 0, second.errors
    (warning,) = [line for line in second.logs if "event filters changed" in line]
    assert "was: only $pageview; now: only $pageview, purchase" in warning
    older_purchases = set(truth_where(small, keep={"purchase"})[101])
    delivered = {r["id"] for r in second.records("events")}
    assert len(delivered & older_purchases) < len(older_purchases) / 10  # only the lookback hour, not the history
    assert names_of(small, delivered) <= {"$pageview", "purchase"}


def test_given_filters_when_old_events_arrive_late_then_the_sweep_counts_only_events_the_filters_read(
    tmp_path: Path,
) -> None:
    with Emulator(EmulatorSettings(seed=29, events=1_000, projects=1)) as emu:
        workspace = Workspace(tmp_path, emu)
        first = workspace.read(EVENTS, events_exclude=["$autocapture"], events_lookback_minutes=60)
        cursor = datetime.fromisoformat(first.last_state()["stream"]["stream_state"]["101"]["timestamp"])  # type: ignore[index]
        swept = cursor - timedelta(hours=6)  # older than the lookback, inside the late-events sweep
        too_old = cursor - timedelta(days=5)  # older than late_events_days (3): counted in a WARN
        excluded = emu.append_events(101, [{"timestamp": t, "event": "$autocapture"} for t in (swept, too_old)])
        config = {"events_exclude": ["$autocapture"], "events_lookback_minutes": 60}

        second = workspace.read(EVENTS, state=state_file_from(first, tmp_path), **config)
        included = emu.append_events(101, [{"timestamp": t, "event": "signed_up"} for t in (swept, too_old)])
        third = workspace.read(EVENTS, state=state_file_from(second, tmp_path), **config)

    assert not {r["id"] for r in second.records("events") + third.records("events")} & set(excluded)
    assert not [line for line in second.logs if "late-events window" in line]  # excluded: not counted
    assert [r["id"] for r in third.records("events") if r["id"] in included] == included[:1]
    assert [line for line in third.logs if "Project 101: 1 event(s)" in line]
