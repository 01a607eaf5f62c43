"""Groups on a project whose whole-table groups queries would hit PostHog's 10 s limit (issue 27).

HogQL's `groups` is an argMax over `raw_groups` that ignores the WHERE (groups.py @5735f4ed); the emulator's cost
model (query/table_cost.py) counts the raw rows ClickHouse reads: the team's all for a cursor-order page, the
(index, key) range of a bounded one, which aggregates `raw_groups` itself (source_posthog/streams/query/bounded.py).
Per-row costs are set so that the whole table is over the limit and a page is not; nothing sleeps, so the 504s
are immediate.
"""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from integration_tests.conftest import Workspace
from integration_tests.helpers import Run, state_file_from
from posthog_emulator import Emulator, EmulatorSettings
from source_posthog.streams.timestamps import parse_timestamp

PER_TYPE = 15_000  # two types: 30,000 groups, about 37,500 raw rows with the older versions
PAGE = 3_000
LIMIT_S = 2.0
# A bounded page reads <= 3,000 wide rows (0.3 s) and 6,000 narrow keys for the next bound; the whole team's
# ~37,500 raw rows take 3.75 s.
COST = {"per_person_row_s": 1e-4, "per_key_row_s": 2e-5, "time_limit_s": LIMIT_S}
CURSOR_PAGE = (
    "SELECT index, key, created_at, updated_at, properties FROM groups WHERE updated_at >= toDateTime64({s}, 6, 'UTC')"
    " ORDER BY updated_at ASC, index ASC, key ASC LIMIT 3001"
)


@pytest.fixture(scope="module")
def big() -> Iterator[Emulator]:
    """One project of 30,000 groups, the cost model on."""
    emu = Emulator(EmulatorSettings(seed=27, events=200, projects=1, edge_projects=False, groups_per_type=PER_TYPE))
    emu.start()
    emu.configure(limits={"query_cost": COST})
    yield emu
    emu.stop()


def costs(emu: Emulator) -> list[dict[str, Any]]:
    return [e["query_cost"] for e in emu.requests if "query_cost" in e]


def queries(emu: Emulator) -> list[str]:
    return [e["body"]["query"]["query"] for e in emu.requests if e["body"] and "query" in e["body"]]


def group_keys(run: Run) -> Counter[tuple[int, str]]:
    return Counter((r["group_type_index"], r["group_key"]) for r in run.records("groups"))


def test_given_whole_table_queries_over_the_limit_when_groups_read_then_every_group_once_within_it(
    big: Emulator, tmp_path: Path
) -> None:
    body = {"query": {"kind": "HogQLQuery", "query": CURSOR_PAGE, "values": {"s": "1970-01-01 00:00:00"}}}
    url = f"{big.base_url}/api/projects/{big.project_ids[0]}/query/"
    before = requests.post(url, json=body, headers={"Authorization": f"Bearer {big.api_key}"}, timeout=30)
    assert before.status_code == 504  # the reader before: every page of it read the team's whole table
    big.clear_requests()

    run = Workspace(tmp_path, big).read(("groups",), events_page_size=PAGE)

    assert run.returncode == 0, run.errors
    got = group_keys(run)
    assert sorted([index, key] for index, key in got) == big.truth("groups")[big.project_ids[0]]
    assert max(got.values()) == 1
    assert not any(cost["timed_out"] for cost in costs(big))
    # A page: its raw range (a key's two versions may straddle the bound: one more) and the next page's bound.
    assert max(cost["scanned_rows"] for cost in costs(big)) <= PAGE + 1 + 2 * PAGE
    pages = [sql for sql in queries(big) if " FROM raw_groups WHERE " in sql and "GROUP BY index, key" in sql]
    assert pages  # pages aggregate raw_groups themselves (streams/tables/raw_pages.py)
    assert all("index = {leading_key}" in sql for sql in pages)


def test_given_groups_touched_when_read_again_then_the_changed_ones_in_one_pass_and_the_state_as_before(
    big: Emulator, tmp_path: Path
) -> None:
    workspace = Workspace(tmp_path, big)
    first = workspace.read(("groups",), events_page_size=PAGE)
    assert first.returncode == 0, first.errors
    state = (first.last_state("groups") or {})["stream"]["stream_state"]
    assert list(state) == [str(big.project_ids[0])]
    assert list(state[str(big.project_ids[0])]) == ["updated_at"]
    touched = big.touch_groups(3, 2)
    big.clear_requests()

    second = workspace.read(("groups",), state=state_file_from(first, tmp_path), events_page_size=PAGE)

    assert second.returncode == 0, second.errors
    got = group_keys(second)
    assert {(index, key) for index, key in touched} <= got.keys()
    assert max(got.values()) == 1
    assert len(got) < len(group_keys(first)) / 10  # the changed ones and the lookback's, not every group
    read = [cost["scanned_rows"] for cost in costs(big)]
    assert not any(cost["timed_out"] for cost in costs(big))
    assert max(read) <= PAGE + 1 + 2 * PAGE
    raw_rows = sum(1 for _ in big.app.rt.dataset.entities[big.project_ids[0]]["groups"]) * 5 // 4
    assert sum(read) <= 3 * raw_rows + 2 * PAGE  # one pass over the raw rows (bounds read the keys again)
    cursor = parse_timestamp(
        (second.last_state("groups") or {})["stream"]["stream_state"][str(big.project_ids[0])]["updated_at"]
    )
    newest = max(parse_timestamp(r["updated_at"]) for r in second.records("groups"))
    assert cursor == newest
