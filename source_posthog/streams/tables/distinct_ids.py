"""Each person's distinct ids for a persons read, from one bounded pass over `person_distinct_ids`, kept on disk.

Asking PostHog per persons page cannot be bounded: `person_id` is an argMax result of `person_distinct_id2`,
sorted by (team_id, distinct_id) only (posthog/models/person/sql.py @13e21786), so any query selecting by
`person_id` (`WHERE person_id IN ..` or the `persons.pdi` join: newer PostHog's pushdown still filters the
raw table by `person_id`, util/pdi_person_id_pushdown.py @481ddcb3) reads the team's whole table, once per
page. Instead the project's `person_distinct_ids` are read once, in bounded keyset pages (query/bounded.py),
into a SQLite file in a temporary directory (memory stays flat at 100M persons: about 60 bytes a distinct id
on disk), indexed by person, and each persons page looks its persons up there.

Each person gets the distinct ids it had when this pass read them, just before its persons were read: a
merge during the persons read shows on the next read (the `person_distinct_ids` stream has the mapping too).
"""

import sqlite3
import tempfile
from collections.abc import Iterable
from pathlib import Path
from types import TracebackType
from uuid import UUID

from source_posthog.streams.query.bounded import iter_bounded_pages
from source_posthog.streams.query.keyset import TableScan

INSERT = "INSERT INTO pdi VALUES (?, ?)"
# CROSS JOIN makes `page` the outer loop, so each page's persons are looked up by the person index. With a plain
# JOIN, SQLite's planner chose to scan all of `pdi` in rowid order (to skip the sort) and probe `page`: a pass
# over every distinct id per page, quadratic in the project. SQLite documents that
# the left table of a CROSS JOIN is always the outer loop (sqlite.org/optoverview.html, "Manual Control Of
# Query Plans Using CROSS JOIN"). The ORDER BY keeps each person's ids in the order they were read.
LOOKUP = "SELECT page.person, pdi.distinct_id FROM page CROSS JOIN pdi ON pdi.person = page.person ORDER BY pdi.rowid"


class DistinctIdStore:
    """{person: distinct ids} of one project, on disk; a context manager that deletes its file."""

    def __init__(self) -> None:
        self._dir = tempfile.TemporaryDirectory(prefix="source-posthog-pdi-")
        self._db = sqlite3.connect(Path(self._dir.name) / "pdi.sqlite3", isolation_level=None)
        for pragma in ("journal_mode=OFF", "synchronous=OFF", "temp_store=FILE"):
            self._db.execute(f"PRAGMA {pragma}")
        self._db.execute("CREATE TABLE pdi (person BLOB NOT NULL, distinct_id TEXT NOT NULL)")
        self._db.execute("CREATE TEMP TABLE page (person BLOB PRIMARY KEY)")
        self.count = 0

    def add(self, rows: Iterable[tuple[str, str]]) -> None:
        """Store (distinct_id, person_id) pairs; person ids as their 16 bytes."""
        pairs = [(UUID(str(person)).bytes, str(distinct_id)) for distinct_id, person in rows]
        self._db.execute("BEGIN")
        self._db.executemany(INSERT, pairs)
        self._db.execute("COMMIT")
        self.count += len(pairs)

    def seal(self) -> None:
        """Index by person once every pair is in (one sorted build, faster than an index kept while inserting)."""
        self._db.execute("CREATE INDEX pdi_person ON pdi (person)")

    def of(self, person_ids: list[str]) -> dict[str, list[str]]:
        """{person id: its distinct ids} for these persons (those without any are absent)."""
        by_bytes = {UUID(person).bytes: person for person in person_ids}
        self._db.execute("BEGIN")
        self._db.execute("DELETE FROM page")
        self._db.executemany("INSERT OR IGNORE INTO page VALUES (?)", ((key,) for key in by_bytes))
        owned: dict[str, list[str]] = {}
        for person, distinct_id in self._db.execute(LOOKUP):
            owned.setdefault(by_bytes[person], []).append(distinct_id)
        self._db.execute("COMMIT")
        return owned

    def __enter__(self) -> "DistinctIdStore":
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self._db.close()
        self._dir.cleanup()


def fill(store: DistinctIdStore, scan: TableScan) -> None:
    """Read the project's `person_distinct_ids` (scan.table) into the store, page by page."""
    for page in iter_bounded_pages(scan):
        cells = page.cells("distinct_id", "person_id")
        store.add(cells(row) for row in page.rows)
        page.release()
    store.seal()
