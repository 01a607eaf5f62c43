"""Persons through `/query/` via the CLI: the `/persons/` list's record fields, complete, and complete under
churn (persons deleted and merged while the read runs), in a few requests per hundred thousand persons."""

import math
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest

from integration_tests.conftest import Workspace
from posthog_emulator import Emulator, EmulatorSettings
from source_posthog.streams.table import STREAMS_BY_NAME

MANY = 100_000
CHURN = 50  # persons deleted, and as many merged into others, before the second persons page


def crowd_owned(emu: Emulator) -> dict[str, list[str]]:
    """Each person's distinct ids in the emulator now."""
    return {person["id"]: person["distinct_ids"] for person in emu.app.rt.dataset.persons[emu.project_ids[0]]}


def persons_queries(emu: Emulator) -> list[str]:
    """The HogQL text of every /query/ that read persons or their distinct ids."""
    bodies = [entry["body"] for entry in emu.requests if entry["path"].rstrip("/").endswith("/query")]
    return [
        b["query"]["query"]
        for b in bodies
        if "persons" in b["query"]["query"] or "person_distinct" in b["query"]["query"]
    ]


@pytest.fixture(scope="module")
def crowd() -> Iterator[Emulator]:
    """One project of 100,000 persons: three keyset pages."""
    emu = Emulator(EmulatorSettings(seed=23, events=200, projects=1, edge_projects=False, persons_per_project=MANY))
    yield emu.start()
    emu.stop()


def test_given_query_api_when_persons_read_then_the_list_fields_for_every_person(
    emulator: Emulator, tmp_path: Path
) -> None:
    emulator.clear_requests()
    run = Workspace(tmp_path, emulator).read(("persons",))

    assert run.returncode == 0, run.errors
    got = {record["id"]: record for record in run.records("persons")}
    assert sorted(got) == emulator.truth("persons", unique=True)
    assert len(got) == len(run.records("persons"))
    for pid in emulator.project_ids:
        for person in emulator.app.rt.dataset.persons[pid]:
            record = got[person["id"]]
            assert record["project_id"] == pid
            assert sorted(record["distinct_ids"]) == sorted(person["distinct_ids"])
            for field in ("uuid", "name", "properties", "is_identified", "created_at", "type"):
                assert record[field] == person[field], field
            assert record["last_seen_at"] is None  # the persons table has no last-seen column
    assert not any(entry["path"].rstrip("/").endswith("/persons") for entry in emulator.requests)


def test_given_persons_deleted_and_merged_mid_read_when_read_then_every_survivor_exactly_once(
    crowd: Emulator, tmp_path: Path
) -> None:
    before = set(crowd.truth("persons", unique=True))
    owned_before = {p["id"]: sorted(p["distinct_ids"]) for p in crowd.app.rt.dataset.persons[crowd.project_ids[0]]}
    crowd.clear_requests()
    crowd.configure(faults={"persons_churn_after": 2, "persons_churn": CHURN})

    run = Workspace(tmp_path, crowd).read(("persons",))

    assert run.returncode == 0, run.errors
    survivors = set(crowd.truth("persons", unique=True))
    delivered = Counter(record["id"] for record in run.records("persons"))
    assert len(before - survivors) == 2 * CHURN  # the churn happened, in the middle of the read
    assert survivors <= delivered.keys() <= before
    assert max(delivered.values()) == 1
    # Distinct ids come from one pass over person_distinct_ids before the persons pages (the churn fires at the
    # second persons query): each person with exactly the distinct ids it had then, merge targets included.
    assert all(sorted(r["distinct_ids"]) == owned_before[r["id"]] for r in run.records("persons"))
    owned_now = crowd_owned(crowd)
    merged_into = [pid for pid in survivors if len(owned_now[pid]) > len(owned_before[pid])]
    assert len(merged_into) == CHURN  # the merges did happen, and the next read shows them
    rows = STREAMS_BY_NAME["persons"].read.page_rows
    costs = [e["query_cost"] for e in crowd.requests if "query_cost" in e]
    # No query reads more than about a page: 2 x its raw persons, and 2 x the next page's raw keys (its bound).
    assert max(cost["scanned_rows"] for cost in costs) <= 4 * rows + 2
    raw_rows = 1.25 * MANY + 1.2 * 2.2 * MANY  # persons with older versions, distinct ids with some (raw_keys.py)
    # One query per page (each brings the next page's bound), a bound at the start of each pass, and after an
    # empty page; + 1 a pass: its first page is small until the rows' weight is known (query/budget.py).
    assert len(persons_queries(crowd)) <= math.ceil(raw_rows / rows) + 6


def test_given_persons_pages_over_the_query_time_limit_when_read_then_halved_and_every_person_once(
    crowd: Emulator, tmp_path: Path
) -> None:
    crowd.clear_requests()
    # PostHog's 504 for a page above 20,000 rows; no churn (the fixture is shared with the churn test).
    crowd.configure(faults={"persons_query_row_limit": 20_000, "persons_churn_after": None})
    try:
        run = Workspace(tmp_path, crowd).read(("persons",))
    finally:
        crowd.configure(faults={"persons_query_row_limit": None})

    assert run.returncode == 0, run.errors
    delivered = Counter(record["id"] for record in run.records("persons"))
    assert sorted(delivered) == crowd.truth("persons", unique=True)
    assert max(delivered.values()) == 1
    timed_out = [e["body"]["query"]["query"] for e in crowd.requests if e.get("query_cost", {}).get("timed_out")]
    assert len([sql for sql in timed_out if "FROM raw_persons WHERE" in sql]) == 2  # 45,000 rows, then 22,500
    # The distinct-id pass's pages (person_distinct_ids, before the persons) are halved the same way.
    assert len([sql for sql in timed_out if "FROM raw_person_distinct_ids WHERE" in sql]) == 2
    owned = {
        person["id"]: sorted(person["distinct_ids"]) for person in crowd.app.rt.dataset.persons[crowd.project_ids[0]]
    }
    assert all(sorted(record["distinct_ids"]) == owned[record["id"]] for record in run.records("persons"))
    limits = [int(sql.rsplit("LIMIT ", 1)[1]) for sql in persons_queries(crowd) if "GROUP BY id " in sql]
    assert limits[0] <= 1_001  # the first page weighs the rows (query/budget.py); light persons: full pages after
    assert limits[1:4] == [45_001, 22_501, 11_251]
    assert set(limits[4:]) == {11_251}
