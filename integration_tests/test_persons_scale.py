"""Persons and their distinct ids on a project whose tail-reading queries would hit PostHog's 10 s limit (issue 27).

The emulator's cost model (query/table_cost.py) counts the rows each query reads in ClickHouse by PostHog's
pushdown rules: a `persons` keyset page with only `id > a` reads every person after `a`, twice; the bounded
pages (source_posthog/streams/query/bounded.py) aggregate the raw table themselves and read about one page.
Per-row costs are set so that the tail is over the limit and a page is not; nothing sleeps (`sleep` off), so the
504s are immediate.
"""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from integration_tests.conftest import Workspace
from posthog_emulator import Emulator, EmulatorSettings

PERSONS = 30_000
PAGE = 3_000  # events_page_size lowers the persons page (45,000) for the test: ten pages and more
LIMIT_S = 2.0
# A bounded persons page reads 2 x <= 3,000 rows (0.6 s); the first tail page 2 x ~37,000 raw rows (7.5 s).
COST = {"per_person_row_s": 1e-4, "per_key_row_s": 2e-5, "time_limit_s": LIMIT_S}


@pytest.fixture(scope="module")
def big() -> Iterator[Emulator]:
    """One project of 30,000 persons (about 66,000 distinct ids), the cost model on."""
    emu = Emulator(EmulatorSettings(seed=27, events=200, projects=1, edge_projects=False, persons_per_project=PERSONS))
    emu.start()
    emu.configure(limits={"query_cost": COST})
    yield emu
    emu.stop()


def owned(emu: Emulator) -> dict[str, list[str]]:
    return {p["id"]: sorted(p["distinct_ids"]) for p in emu.app.rt.dataset.persons[emu.project_ids[0]]}


def query(emu: Emulator, sql: str, values: dict[str, Any]) -> requests.Response:
    body = {"query": {"kind": "HogQLQuery", "query": sql, "values": values}, "refresh": "force_blocking"}
    url = f"{emu.base_url}/api/projects/{emu.project_ids[0]}/query/"
    return requests.post(url, json=body, headers={"Authorization": f"Bearer {emu.api_key}"}, timeout=30)


def costs(emu: Emulator) -> list[dict[str, Any]]:
    return [e["query_cost"] for e in emu.requests if "query_cost" in e]


def test_given_tail_queries_over_the_limit_when_persons_read_then_every_person_once_and_no_query_times_out(
    big: Emulator, tmp_path: Path
) -> None:
    lowest = "SELECT max(id) AS k, count() AS n FROM (SELECT id FROM raw_persons ORDER BY id ASC LIMIT 1)"
    first = query(big, lowest, {}).json()["results"][0][0]  # the first id in ClickHouse order
    tail = query(big, "SELECT id FROM persons WHERE id > toUUID({a}) ORDER BY id ASC LIMIT 3001", {"a": first})
    assert tail.status_code == 504  # what the reader before issue 27 sent: its pages read the rest of the table
    big.clear_requests()

    run = Workspace(tmp_path, big).read(("persons",), events_page_size=PAGE)

    assert run.returncode == 0, run.errors
    delivered = Counter(record["id"] for record in run.records("persons"))
    assert sorted(delivered) == big.truth("persons", unique=True)
    assert max(delivered.values()) == 1
    truth = owned(big)
    assert all(sorted(record["distinct_ids"]) == truth[record["id"]] for record in run.records("persons"))
    assert not any(cost["timed_out"] for cost in costs(big))
    # About one page: 2 x its raw rows (the bound's LIMIT may split a key's versions: one more), and the next
    # page's bound, two scalar subqueries over PAGE raw keys.
    assert max(cost["scanned_rows"] for cost in costs(big)) <= 2 * (PAGE + 1) + 2 * PAGE
    assert not any("GROUP BY person_id" in e["body"]["query"]["query"] for e in big.requests if e["body"])


def test_given_a_bounded_read_when_person_distinct_ids_read_then_every_distinct_id_once_within_the_limit(
    big: Emulator, tmp_path: Path
) -> None:
    big.clear_requests()
    run = Workspace(tmp_path, big).read(("person_distinct_ids",), events_page_size=PAGE)

    assert run.returncode == 0, run.errors
    got = Counter(record["distinct_id"] for record in run.records("person_distinct_ids"))
    assert sorted(got) == big.truth("person_distinct_ids", unique=True)
    assert max(got.values()) == 1
    assert max(cost["scanned_rows"] for cost in costs(big)) <= PAGE + 1 + 2 * PAGE  # the page and the next bound


def test_given_short_pages_and_churn_when_read_then_each_survivor_once_with_the_ids_it_had(tmp_path: Path) -> None:
    settings = EmulatorSettings(seed=5, events=200, projects=1, edge_projects=False, persons_per_project=12_000)
    emu = Emulator(settings).start()
    try:
        before = owned(emu)
        emu.configure(faults={"persons_churn_after": 3, "persons_churn": 40})
        run = Workspace(tmp_path, emu).read(("persons",), events_page_size=1_000)
        survivors = set(owned(emu))
        pages = [e["body"]["query"]["query"] for e in emu.requests if e["body"]]
    finally:
        emu.stop()
    assert run.returncode == 0, run.errors
    delivered = Counter(record["id"] for record in run.records("persons"))
    assert len(set(before) - survivors) == 80  # deleted and merged mid-read
    assert survivors <= delivered.keys() <= set(before)
    assert max(delivered.values()) == 1
    assert all(sorted(record["distinct_ids"]) == before[record["id"]] for record in run.records("persons"))
    assert pages  # the read went through /query/


def test_given_a_read_budget_spent_mid_read_when_read_then_the_429s_are_waited_out_and_the_read_completes(
    tmp_path: Path,
) -> None:
    settings = EmulatorSettings(seed=8, events=200, projects=1, edge_projects=False, persons_per_project=3_000)
    emu = Emulator(settings).start()
    # The read costs ~26,000 rows; 2,000 rows a second refill, a bucket of 8,000: each 429 waits a second or two.
    emu.configure(limits={"read_budget_rows_per_hour": 7.2e6, "read_budget_capacity_hours": 8_000 / 7.2e6})
    try:
        run = Workspace(tmp_path, emu).read(("persons",), events_page_size=1_000)
        refusals = [e for e in emu.requests if e["status"] == 429]
        truth = emu.truth("persons", unique=True)
    finally:
        emu.stop()
    assert run.returncode == 0, run.errors
    assert refusals, "the budget never ran out: the test proves nothing"
    assert all(int(e["retry_after"]) >= 1 for e in refusals)
    assert sorted({record["id"] for record in run.records("persons")}) == truth


def test_given_old_clickhouse_when_persons_read_then_no_ifnull_wrapped_key_and_every_query_within_the_limit(
    big: Emulator, tmp_path: Path
) -> None:
    """Old ClickHouse: a key comparison HogQL wraps in ifNull (`toUUID(..)`, printer.py @67dfa500) reads it all."""
    big.configure(limits={"query_cost": {**COST, "wrapped_compare_reads_all": True}})
    try:
        lowest = "SELECT max(id) AS k, count() AS n FROM (SELECT id FROM raw_persons ORDER BY id ASC LIMIT 1)"
        first = query(big, lowest, {}).json()["results"][0][0]
        wrapped = "SELECT id FROM persons WHERE id > toUUID({a}) AND id <= toUUID({a}) ORDER BY id ASC LIMIT 10"
        assert query(big, wrapped, {"a": first}).status_code == 504  # even a one-key range: the whole table
        big.clear_requests()
        run = Workspace(tmp_path, big).read(("persons", "person_distinct_ids"), events_page_size=PAGE)
    finally:
        big.configure(limits={"query_cost": COST})

    assert run.returncode == 0, run.errors
    assert sorted(Counter(r["id"] for r in run.records("persons"))) == big.truth("persons", unique=True)
    assert not any(cost["timed_out"] for cost in costs(big))
    sent = [e["body"]["query"]["query"] for e in big.requests if e["body"] and "query" in e["body"]]
    assert sent
    assert not any("toUUID" in sql for sql in sent)
