"""The sorted person index answers a persons read's two queries exactly as the general evaluator does."""

from typing import Any

import pytest

from posthog_emulator import Emulator
from posthog_emulator.hogql.parse import parse_select
from posthog_emulator.hogql.result import Options, Outcome
from posthog_emulator.tables import others, person_index
from posthog_emulator.tests.conftest import MAIN

PAGE = "SELECT id, created_at, properties, is_identified FROM persons{where} ORDER BY id ASC LIMIT {limit}"
GROUPED = (
    "SELECT person_id, groupArray(distinct_id) AS distinct_ids FROM person_distinct_ids "
    "WHERE person_id >= toUUID({lo}) AND person_id <= toUUID({hi}) GROUP BY person_id LIMIT 50000"
)
PDI = "SELECT distinct_id, person_id FROM person_distinct_ids{where} ORDER BY distinct_id ASC LIMIT 70"
OPTIONS = Options("UTC", json_properties=True, row_cap=50_000, allow_offset=False)


def run(emu: Emulator, sql: str, values: dict[str, Any], general: bool, monkeypatch: pytest.MonkeyPatch) -> Outcome:
    """One query through tables/others, with the index (general=False) or with the full scan."""
    with monkeypatch.context() as patch:
        if general:
            patch.setattr(person_index, "fast_rows", lambda *_args: None)
        return others.execute(parse_select(sql, values), emu.app.rt, MAIN, OPTIONS)


def same(emu: Emulator, sql: str, values: dict[str, Any], monkeypatch: pytest.MonkeyPatch) -> Outcome:
    fast, slow = (run(emu, sql, values, general, monkeypatch) for general in (False, True))
    assert (fast.columns, fast.types, fast.rows, fast.matched_rows) == (
        slow.columns,
        slow.types,
        slow.rows,
        slow.matched_rows,
    )
    return fast


def ordered_ids(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    return [row[0] for row in run(emu, PAGE.format(where="", limit=1000), {}, True, monkeypatch).rows]


@pytest.mark.parametrize("op", [">", ">="])
def test_keyset_pages_are_the_full_scan_pages(emu: Emulator, monkeypatch: pytest.MonkeyPatch, op: str) -> None:
    ids = ordered_ids(emu, monkeypatch)
    assert len(same(emu, PAGE.format(where="", limit=70), {}, monkeypatch).rows) == 70
    for after in (ids[0], ids[69], ids[len(ids) // 2], ids[-1], "00000000-0000-0000-ffff-ffffffffffff"):
        where = f" WHERE (id {op} toUUID({{after}}))"
        same(emu, PAGE.format(where=where, limit=70), {"after": after}, monkeypatch)


def test_grouped_distinct_ids_over_ranges_are_the_full_scan_groups(
    emu: Emulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = ordered_ids(emu, monkeypatch)
    for lo, hi in ((0, 39), (40, 40), (100, len(ids) - 1), (50, 10)):
        out = same(emu, GROUPED, {"lo": ids[lo], "hi": ids[hi]}, monkeypatch)
        assert len(out.rows) == max(0, hi - lo + 1)


def test_pages_bounded_on_both_sides_are_the_full_scan_pages(emu: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    ids = ordered_ids(emu, monkeypatch)
    where = " WHERE id <= toUUID({hi}) AND (id > toUUID({lo}))"
    for lo, hi in ((0, 39), (40, 40), (100, len(ids) - 1), (50, 10)):
        same(emu, PAGE.format(where=where, limit=30), {"lo": ids[lo], "hi": ids[hi]}, monkeypatch)
    names = [r[0] for r in run(emu, PDI.replace("{where}", ""), {}, True, monkeypatch).rows]
    for lo, hi in ((0, 39), (5, 5), (60, 20)):
        bounds = {"lo": names[lo], "hi": names[hi]}
        same(emu, PDI.replace("{where}", " WHERE distinct_id <= {hi} AND (distinct_id > {lo})"), bounds, monkeypatch)


def test_other_queries_fall_back_to_the_full_scan(emu: Emulator) -> None:
    rt = emu.app.rt
    for sql in (
        "SELECT id FROM persons ORDER BY id DESC LIMIT 5",
        "SELECT id FROM persons WHERE is_identified ORDER BY id LIMIT 5",
        "SELECT id FROM persons ORDER BY created_at, id LIMIT 5",
        "SELECT distinct_id, person_id FROM person_distinct_ids WHERE person_id > '0' ORDER BY distinct_id LIMIT 5",
    ):
        assert person_index.fast_rows(parse_select(sql, {}), rt, MAIN, 5) is None


def test_index_follows_persons_removed_from_the_list(fresh: Emulator, monkeypatch: pytest.MonkeyPatch) -> None:
    sql = PAGE.format(where="", limit=1000)
    first = run(fresh, sql, {}, False, monkeypatch).rows
    people = fresh.app.rt.dataset.persons[MAIN]
    removed = people.pop(7)
    rows = same(fresh, sql, {}, monkeypatch).rows
    assert len(rows) == len(first) - 1
    assert removed["id"] not in {row[0] for row in rows}
