"""Sessions read in windows stay within PostHog's time limit where a whole-table sessions query would not (issue 27).

PostHog bounds the `raw_sessions` a sessions query reads by its `$start_timestamp` range widened by 3 days
(SessionMinTimestampWhereClauseExtractorV2, util/where_clause_extractor.py @efcc75f3); the emulator's cost model
counts those sessions (query/session_cost.py). The connector reads sessions in windows of at most 200,000 events
(streams/tables/scans.py WINDOW_EVENTS): with 450,000 events they are three windows. Per-row costs are set from
the session count so that all sessions take 1.7 times the limit and a window (under half the sessions, plus 6 of
the 400 days) about 0.8 of it; nothing sleeps, so a 504 would be immediate.
"""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests

from integration_tests.conftest import Workspace
from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.tables import sessions

LIMIT_S = 2.0
WHOLE = "SELECT session_id FROM sessions ORDER BY session_id ASC LIMIT 10"


@pytest.fixture(scope="module")
def dense() -> Iterator[Emulator]:
    """One project of 450,000 events (three windows of sessions), the cost model on."""
    emu = Emulator(EmulatorSettings(seed=27, events=450_000, projects=1, edge_projects=False))
    emu.start()
    count = len(sessions.sessions_of(emu.app.rt.dataset.events[emu.project_ids[0]]).starts)
    emu.configure(limits={"query_cost": {"per_person_row_s": 1.7 * LIMIT_S / count, "time_limit_s": LIMIT_S}})
    yield emu
    emu.stop()


def test_given_a_whole_table_sessions_query_over_the_limit_when_read_in_windows_then_every_session_once(
    dense: Emulator, tmp_path: Path
) -> None:
    url = f"{dense.base_url}/api/projects/{dense.project_ids[0]}/query/"
    body = {"query": {"kind": "HogQLQuery", "query": WHOLE}}
    answer = requests.post(url, json=body, headers={"Authorization": f"Bearer {dense.api_key}"}, timeout=60)
    assert answer.status_code == 504  # no `$start_timestamp` bound: every raw session
    dense.clear_requests()

    run = Workspace(tmp_path, dense).read(("sessions",))

    assert run.returncode == 0, run.errors
    delivered = Counter(record["session_id"] for record in run.records("sessions"))
    assert sorted(delivered) == dense.truth("sessions", unique=True)
    assert max(delivered.values()) == 1
    costs = [e["query_cost"] for e in dense.requests if "query_cost" in e and "sessions" in str(e["body"])]
    assert len([c for c in costs if c["scanned_rows"]]) >= 3  # the windows
    assert not [c for c in costs if c["timed_out"]]
    assert max(c["simulated_s"] for c in costs) < LIMIT_S
