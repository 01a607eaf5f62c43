"""Whether a `/query/` answer shorter than asked ends its range, when PostHog may have cut it silently.

PostHog lowers any LIMIT above `MAX_SELECT_RETURNED_ROWS` without a word (`posthog/hogql/constants.py`): 50,000
now (commit 00f0da23), 10,000 before PostHog PR #22637 (June 2024; the older file reads
`MAX_SELECT_RETURNED_ROWS = 10000  # sync with CSV_EXPORT_LIMIT`). An answer to SQL with its own LIMIT does not
say so either: `HogQLQueryRunner._calculate` (`posthog/hogql_queries/hogql_query_runner.py`, commit 00f113df)
pages with `HogQLHasMorePaginator`, which fills `hasMore`/`limit`/`offset`, only when the SQL has no LIMIT.
So a page of `got` rows that asked for more ends its range only when
- the answer states a bound (`hasMore` false, or fewer rows than its `limit`), should a PostHog send one; or
- `got` is below the instance's proven floor: 10,000 (the smallest cap PostHog ever had), or 50,000 once any
  answer (this one included) held more than 10,000 rows, since 50,000 is the only larger cap PostHog has had.
  No cap at or above that floor can have cut fewer rows. Windows are planned to one page each, so without the
  second rule every window's one short page would cost an empty query more on PostHog Cloud.
Otherwise the next page is read, and an empty page ends the range. A page of exactly a cap PostHog has had
(10,000 or 50,000) that asked for more teaches the cap: page sizes drop to cap - 1, so `LIMIT n+1` tells again
whether more rows exist. One `RowCap` serves a whole sync (every reader, every window in parallel).
"""

from collections.abc import Callable
from threading import Lock
from typing import Any

SMALLEST_CAP = 10_000  # MAX_SELECT_RETURNED_ROWS before PostHog PR #22637 (June 2024)
KNOWN_CAPS = frozenset({10_000, 50_000})  # every value MAX_SELECT_RETURNED_ROWS has had
CURRENT_CAP = 50_000

Log = Callable[[str, str], None]  # (level, message)


class RowCap:
    """What this sync has learned about the instance's silent row cap."""

    def __init__(self, log: Log | None = None) -> None:
        self.cap: int | None = None
        """The cap, once a page of exactly a known cap came back to a larger LIMIT."""
        self.floor = SMALLEST_CAP
        """No cap below this: PostHog never had one, or the instance returned this many rows in one answer."""
        self._log = log or (lambda _level, _message: None)
        self._lock = Lock()  # windows are read side by side

    def fit(self, wanted: int) -> int:
        """`wanted`, lowered so that `LIMIT wanted + 1` stays within the cap."""
        cap = self.cap or CURRENT_CAP
        return max(1, min(wanted, cap - 1))

    def more_after(self, answer: dict[str, Any], got: int, asked: int) -> bool:
        """Whether rows may follow an answer of `got` rows to `LIMIT asked` (got >= asked: the extra row says so)."""
        stated = stated_more(answer, got)
        self.saw(got)
        if got >= asked:
            more = True
        elif stated is not None:
            more = stated
        elif got < self.floor:
            more = False  # below every cap this instance can have: nothing was cut
        else:
            if got in KNOWN_CAPS:
                self.learn(got, asked)
            more = True  # maybe cut: the next page decides, and an empty one ends the range
        return more

    def saw(self, rows: int) -> None:
        """The instance returned `rows` rows in one answer: its cap is at least that, and 50,000 if above 10,000."""
        with self._lock:
            self.floor = max(self.floor, CURRENT_CAP if rows > SMALLEST_CAP else rows)

    def learn(self, cap: int, asked: int) -> None:
        """A LIMIT of `asked` came back with exactly `cap` rows, a cap PostHog has had: lower pages, WARN once."""
        with self._lock:
            if self.cap is not None and self.cap <= cap:
                return
            self.cap = cap
        self._log(
            "WARN",
            f"This PostHog instance returned {cap:,} rows to a query asking for {asked:,}: it returns at most "
            f"{cap:,} rows per query (PostHog {'older than June 2024' if cap == SMALLEST_CAP else 'with this cap'}); "
            f"pages lowered to {cap - 1:,} rows for this run.",
        )

    def may_be_cut(self, got: int, asked: int) -> bool:
        """Whether an answer of `got` rows to `LIMIT asked` may have lost rows to the LIMIT or the cap."""
        if got >= asked:
            return True
        return got >= (self.cap or self.floor)


def stated_more(answer: dict[str, Any], got: int) -> bool | None:
    """What the answer itself says about more rows (`hasMore`, else `limit`), or None when it says nothing."""
    has_more = answer.get("hasMore")
    if isinstance(has_more, bool):
        return has_more
    limit = answer.get("limit")
    if isinstance(limit, int) and not isinstance(limit, bool) and limit > 0:
        return got >= limit
    return None
