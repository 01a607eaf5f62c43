"""Persons deleted and merged in the middle of a read: the switch `Faults.persons_churn_after`.

After the N-th `persons` HogQL query of a project (counted since faults were last configured), `persons_churn`
persons are deleted and as many merged into others (their distinct ids move to the person they merge into, as
PostHog's `$merge_dangerously` / `$identify` do). The victims are spread over the whole table, so some sit
before the reader's position and some after.
"""

from __future__ import annotations

from typing import Any

from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import person_index


def on_table_query(rt: Runtime, pid: int, table: str) -> None:
    """Count a query of `table`; churn the project's persons when it is the configured one."""
    after = rt.faults.persons_churn_after
    if table != "persons" or after is None:
        return
    with rt.lock:
        seen = rt.table_queries[pid] = rt.table_queries.get(pid, 0) + 1
    if seen == after:
        with rt.dataset.lock:
            gone = churn(rt.dataset.persons[pid], rt.faults.persons_churn)
            rt.person_tombstones.setdefault(pid, []).extend(gone)  # their rows stay in the raw tables
            person_index.forget(rt, pid)


def churn(people: list[dict[str, Any]], count: int) -> list[dict[str, Any]]:
    """Delete `count` persons and merge `count` others into their neighbours, spread over the list; the gone."""
    if len(people) < 3 * count + 1 or count <= 0:
        return []
    step = len(people) // (2 * count + 1)
    victims = [people[step * (k + 1)] for k in range(2 * count)]
    for k, person in enumerate(victims):
        people.remove(person)
        if k % 2:  # merged: its distinct ids now belong to a person that stays
            target = people[(step * (k + 1)) % len(people)]
            target["distinct_ids"] = [*target["distinct_ids"], *person["distinct_ids"]]
    return [{"id": person["id"], "distinct_ids": list(person["distinct_ids"])} for person in victims]
