"""Rows PostHog reads for a persons / person_distinct_ids read, counted analytically (no emulator, any size).

The same rules as the emulator's cost model (posthog_emulator/query/table_cost.py): a lazy `persons` page reads
the raw person rows its `id` range holds, twice (prefilter and argMax; with no WHERE, every raw row twice); a
lazy `person_distinct_ids` page every raw row of the team (nothing in PostHog's code moves its WHERE below the
GROUP BY; `--pushdown` assumes ClickHouse does: the raw rows of its `distinct_id` range); the grouped
`person_id` query the team's whole `person_distinct_id2`; a bound `n` rows in sort order; this branch's pages
aggregate the raw table themselves (streams/tables/raw_pages.py): the raw rows of their range, once. Raw rows per live
row as the emulator's data: 1.25 per person (a quarter with an older version), 1.125 per distinct id, 2.2
distinct ids a person. Seconds per query as `QueryCost.real()`: 0.15 s + 5e-7 s a person row + 2e-8 s a
narrow row + 3e-5 s a returned row; over 10 s PostHog answers 504. Today's reader halves a page that times out,
which cannot help a query whose cost is the tail: the read fails there ("fails at query k").
Groups (size = groups, one group type): the previous reader's cursor-order pages each read every raw group row
(wide: properties); this branch's, one LIMIT 1 bound per index and the end, then bounded pages of 45,000 raw rows.
Usage: `.venv/bin/python bench/persons_cost.py --sizes 1000000,10000000,100000000`.
"""

import argparse
from collections.abc import Iterator
from dataclasses import dataclass

RAW_PER_PERSON, RAW_PER_ID, IDS_PER_PERSON = 1.25, 1.125, 2.2
FIXED_S, PERSON_ROW_S, KEY_ROW_S, RETURNED_S, LIMIT_S = 0.15, 5e-7, 2e-8, 3e-5, 10.0
PERSONS_PAGE, PDI_PAGE = 45_000, 45_000  # the persons stream's page, and the person_distinct_ids stream's
PREVIOUS_PDI_PAGE = 10_000  # person_distinct_ids at 9beb8bd
GROUPS_PAGE, RAW_PER_GROUP = 45_000, 1.25  # the groups stream's page; a quarter with an older version
PREVIOUS_GROUPS_PAGE = 10_000  # groups at e0b40f2
LINE = "{:>12} {:<20} {:<9} {:>8} {:>16} {:>14} {:>13} {:>9} {:>10}"


@dataclass(frozen=True)
class Query:
    """One query: rows read, wide (person) rows or narrow, rows returned."""

    rows: float
    wide: bool
    returned: float
    narrow: float = 0.0  # raw keys its scalar subqueries read (the next page's bound)

    @property
    def seconds(self) -> float:
        """Simulated seconds under the real-cost figures."""
        row_s = PERSON_ROW_S if self.wide else KEY_ROW_S
        return FIXED_S + self.rows * row_s + self.narrow * KEY_ROW_S + self.returned * RETURNED_S


def previous_persons(persons: int) -> Iterator[Query]:
    """Commit 9beb8bd: `persons` keyset pages on `id > a` only, then a grouped person_id query per page."""
    raw, ids_raw = persons * RAW_PER_PERSON, persons * IDS_PER_PERSON * RAW_PER_ID
    pages = -(-persons // PERSONS_PAGE)
    for k in range(pages):
        yield Query(2 * raw * (1 - k / pages), True, min(PERSONS_PAGE, persons - k * PERSONS_PAGE))
        yield Query(ids_raw, False, min(PERSONS_PAGE, persons - k * PERSONS_PAGE))


PUSHDOWN = [False]  # --pushdown: ClickHouse moves a lazy table's WHERE on its GROUP BY key below it


def previous_distinct_ids(persons: int) -> Iterator[Query]:
    """Commit 9beb8bd: `person_distinct_ids` keyset pages on `distinct_id > a` only: each reads the team (the
    tail with --pushdown)."""
    live = persons * IDS_PER_PERSON
    pages = -(-int(live) // PREVIOUS_PDI_PAGE)
    for k in range(pages):
        yield Query(live * RAW_PER_ID * (1 - k / pages if PUSHDOWN[0] else 1.0), False, PREVIOUS_PDI_PAGE)


def bounded(live: float, raw_per_live: float, page: int, reads: int, wide: bool) -> Iterator[Query]:
    """Bounded pages: one bound (`page` raw keys in order), then pages reading `reads` x their raw rows, each
    with the next page's bound (two scalar subqueries over the next `page` raw keys)."""
    raw = live * raw_per_live
    yield Query(min(page, raw), False, 1)
    for k in range(int(-(-raw // page))):
        rows, following = min(page, raw - k * page), min(page, max(0.0, raw - (k + 1) * page))
        yield Query(reads * rows, wide, rows / raw_per_live, 2 * following)


def ours_persons(persons: int) -> Iterator[Query]:
    """This branch: the distinct-id pass, then bounded persons pages (empty pages, rare, cost a bound more)."""
    yield from bounded(persons * IDS_PER_PERSON, RAW_PER_ID, PERSONS_PAGE, 1, False)
    yield from bounded(persons, RAW_PER_PERSON, PERSONS_PAGE, 1, True)  # raw_persons aggregated: read once


def ours_distinct_ids(persons: int) -> Iterator[Query]:
    """This branch: bounded person_distinct_ids pages."""
    yield from bounded(persons * IDS_PER_PERSON, RAW_PER_ID, PDI_PAGE, 1, False)


def previous_groups(groups: int) -> Iterator[Query]:
    """Commit e0b40f2: `groups` pages in (updated_at, index, key) order: each reads the team's whole table."""
    pages = -(-groups // PREVIOUS_GROUPS_PAGE)
    for k in range(pages):
        yield Query(groups * RAW_PER_GROUP, True, min(PREVIOUS_GROUPS_PAGE, groups - k * PREVIOUS_GROUPS_PAGE))


def ours_groups(groups: int) -> Iterator[Query]:
    """This branch: the index (one type, then none), then bounded pages of that index on `key`."""
    yield Query(1, False, 1)
    yield from bounded(groups, RAW_PER_GROUP, GROUPS_PAGE, 1, True)
    yield Query(0, False, 1)


def summary(queries: Iterator[Query], persons: int) -> list[str]:
    """Queries (up to the first over the limit), rows read, rows per 1M persons, max rows per query, max s."""
    done: list[Query] = []
    for query in queries:
        done.append(query)
        if query.seconds > LIMIT_S:
            break
    failed = done[-1].seconds > LIMIT_S
    rows = sum(query.rows + query.narrow for query in done)
    outcome = f"fails at query {len(done)}" if failed else f"{sum(q.seconds for q in done):,.0f} s"
    per_million = rows / (persons / 1e6)
    worst = max(done, key=lambda q: q.rows + q.narrow)
    cells = [f"{len(done):,}", f"{rows:,.0f}", f"{per_million:,.0f}", f"{worst.rows + worst.narrow:,.0f}"]
    return [*cells, f"{worst.seconds:.1f}", outcome]


READERS = {
    ("persons", "previous"): previous_persons,
    ("persons", "ours"): ours_persons,
    ("person_distinct_ids", "previous"): previous_distinct_ids,
    ("person_distinct_ids", "ours"): ours_distinct_ids,
    ("groups", "previous"): previous_groups,
    ("groups", "ours"): ours_groups,
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default="1000000,10000000,100000000", help="persons, comma-separated")
    parser.add_argument("--pushdown", action="store_true", help="assume ClickHouse's GROUP BY key pushdown")
    args = parser.parse_args()
    PUSHDOWN[0] = args.pushdown
    header = ("persons", "stream", "reader", "queries", "rows read", "rows / 1M p.", "max rows/q", "max s/q")
    print(LINE.format(*header, "server s"))
    for size in (int(s) for s in args.sizes.split(",")):
        for (stream, reader), model in READERS.items():
            print(LINE.format(f"{size:,}", stream, reader, *summary(model(size), size)), flush=True)


if __name__ == "__main__":
    main()
