"""Rows per page from the bytes rows weigh, so that the pages in memory stay within `max_memory_mb` (issue 23).

A page is asked for in rows (`LIMIT n`), but what it costs is bytes: a light event is ~400 bytes of response, a
posthog-js pageview 2-4 KB, an LLM or exception event hundreds of KB. So every paged read asks its budget how
many rows its next page may hold, and tells it what the page it got weighed (the response body's bytes):

- The memory model (measured with tracemalloc and RSS, bench/memory.py): the process holds BASE_MB
  (interpreter, libraries, caches); each page alive holds about HELD times its body's bytes (the body while it
  arrives, then its parsed rows until they are written); the one page being parsed holds PARSING more
  (orjson parses through yyjson: the body, yyjson's copy of its strings and the Python rows coexist, and
  orjson holds the GIL, so one page parses at a time). Pages alive: one per query in flight (each producer
  holds at most one page, events/parallel.py) plus the one being written. So a page may hold
  `(max_memory_mb - BASE_MB) / (PARSING + (queries + 1) * HELD)` bytes of body.
- Weights are learned per (project, table): a project's first page assumes FIRST_ROW_BYTES per row (start
  small: nothing is known yet); later pages use the larger of the last page's bytes per row and a decayed
  mean over the pages before (MEMORY). Up at once, so a run of fat rows shrinks the next page; down over
  a few pages, so that small pages of a mix (a tenth of them 150 KB) do not swing to a light page by chance.
- Rows per page never exceed what the reader wanted (its `page_rows`, PostHog's cap): light rows keep
  full pages and their throughput. A row heavier than a whole page's bytes still goes through, alone in its
  page: a LIMIT cannot know what its rows weigh, so a body is read under `ceiling` and abandoned unparsed
  past it (http/body_cut.py); the page is asked again with the rows that fitted, and the heavy row then on its
  own (keyset.weighed_page). Such rows are weighed one by one (only in a page over `page_bytes`), and each
  stream's read ends with one WARN naming how many (`report`).
"""

import ctypes
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from threading import Condition

MB = 1 << 20
BASE_MB = 48  # interpreter + requests/urllib3/ssl + pydantic + caches, measured at ~49 MB (bench/README.md)
HELD = 1.75  # RSS per body byte of a page alive: its rows as Python strings (~1.1x), allocator slack, margin
PARSING = 2.0  # more per body byte while orjson parses it: the body and yyjson's copy, beside the rows
FIRST_ROW_BYTES = 64 * 1024  # until a project's table has answered once, a row may be a fat LLM event
MEMORY = 0.5  # the weight of what earlier pages weighed, halved per page: a mean over about two pages' rows
M_ARENA_MAX = -8  # glibc's mallopt parameter number (malloc.h)
PROBE_WAIT_S = 120.0  # the longest another window waits for a table's first page to tell its weight
MIN_PAGE_BYTES = 256 * 1024  # the floor for a tiny budget: below it, every page would be one row
CUT_MARGIN = 1.25  # a body is abandoned past this many times the page's share (http/body_cut.py); see `ceiling`


@dataclass
class Oversized:
    """Rows heavier than a whole page's budget (read all the same), for the stream's WARN."""

    rows: int = 0
    largest: int = 0


class PageBudget:
    """How many rows each page may ask for, from the bytes per row seen so far; one per sync, shared by threads."""

    def __init__(self, max_memory_mb: int | None = None, queries_in_flight: int = 3) -> None:
        self.page_bytes: float | None = None
        """Bytes of response body one page may hold; None: no budget (unit tests' bare clients)."""
        if max_memory_mb is not None:
            copies = PARSING + (queries_in_flight + 1) * HELD
            self.page_bytes = max(MIN_PAGE_BYTES, (max_memory_mb - BASE_MB) * MB / copies)
        self._row_bytes: dict[tuple[int, str], float] = {}
        self._seen: dict[tuple[int, str], tuple[float, float]] = {}  # decayed sums of body bytes and rows
        self._oversized: dict[str, Oversized] = {}
        self._probing: dict[tuple[int, str], int] = {}
        """Unweighed tables whose first (small) page is on its way, and the thread asking it."""
        self._lock = Condition()

    def rows(self, project_id: int, table: str, wanted: int) -> int:
        """Rows the next page of this project's table may ask for: `wanted` at most, at least 1.

        Windows start side by side: while the table's first page is on its way, the others wait for its weight
        (PROBE_WAIT_S at most) instead of each asking for a small page of its own.
        """
        if self.page_bytes is None:
            return wanted
        key = (project_id, table)
        me = threading.get_ident()
        with self._lock:
            # Never wait for a probe of this thread's own: it may have ended without a weight (an empty range).
            if key not in self._row_bytes and self._probing.get(key, me) != me:
                self._lock.wait_for(lambda: key in self._row_bytes or key not in self._probing, PROBE_WAIT_S)
            row_bytes = self._row_bytes.get(key)
            if row_bytes is None:
                self._probing[key] = me
                row_bytes = FIRST_ROW_BYTES
        return max(1, min(wanted, int(self.page_bytes // row_bytes)))

    def abandon(self, project_id: int, table: str) -> None:
        """A page was not read (an error): whoever waits for the table's weight asks on its own."""
        with self._lock:
            self._probing.pop((project_id, table), None)
            self._lock.notify_all()

    def observe(self, project_id: int, table: str, body_bytes: int, rows: int) -> None:
        """A page of `rows` rows came in a body of `body_bytes` (LIMIT n+1: the extra row is in both)."""
        if self.page_bytes is None:
            return
        if rows <= 0 or body_bytes <= 0:
            self.abandon(project_id, table)
            return
        with self._lock:
            self._probing.pop((project_id, table), None)
            self._lock.notify_all()
            seen_bytes, seen_rows = self._seen.get((project_id, table), (0.0, 0.0))
            seen_bytes, seen_rows = seen_bytes * MEMORY + body_bytes, seen_rows * MEMORY + rows
            self._seen[project_id, table] = (seen_bytes, seen_rows)
            self._row_bytes[project_id, table] = max(body_bytes / rows, seen_bytes / seen_rows)

    @property
    def ceiling(self) -> float | None:
        """The body past which a page is abandoned unparsed and asked again with fewer rows; None: no budget.

        A quarter above the share: pages are sized from the weights of earlier pages, so about half of them come
        a little over it (1.0 cost 36-44% more queries on 300,000 ordinary or LLM-mix events, bench/memory.py);
        the model's margins (HELD, PARSING) absorb a quarter, and a row heavier than that is always alone.
        """
        return None if self.page_bytes is None else self.page_bytes * CUT_MARGIN

    @property
    def heavy_row_bytes(self) -> float:
        """A row heavier than this (a page's share) is read alone in its page (http/body_cut.py)."""
        return float("inf") if self.page_bytes is None else self.page_bytes

    def overshot(self, body_bytes: int) -> bool:
        """Whether a page's body was larger than a page may be (then its rows are weighed one by one)."""
        return self.ceiling is not None and body_bytes > self.ceiling

    def count_oversized(self, table: str, row_sizes: Iterable[int]) -> None:
        """Count the rows (of a page that overshot) each heavier than a whole page may be: the WARN's figures."""
        limit = self.ceiling or float("inf")
        heavy = [size for size in row_sizes if size > limit]
        if not heavy:
            return
        with self._lock:
            seen = self._oversized.setdefault(table, Oversized())
            seen.rows += len(heavy)
            seen.largest = max(seen.largest, *heavy)

    def report(self, table: str) -> str | None:
        """The WARN for the table's rows read alone because each outweighed a page's budget; None if none."""
        with self._lock:
            seen = self._oversized.pop(table, None)
        if seen is None or self.ceiling is None:
            return None
        return (
            f"{seen.rows:,} {table} row(s) were each larger than a page's share of max_memory_mb "
            f"(a page may hold {self.ceiling / MB:.1f} MB, its share plus a quarter; the largest was "
            f"{seen.largest / MB:.1f} MB). Each was read alone in its page (the answer that first met it was "
            "abandoned unread past those bytes and asked again with "
            "fewer rows): nothing was skipped or repeated, but memory held that share plus the row. Raise "
            "max_memory_mb if the container allows."
        )


def share_one_malloc_arena() -> bool:
    """Make every thread allocate from one glibc arena; False where there is no glibc (musl, macOS).

    Pages are received and parsed on producer threads and freed on the writer's: with glibc's default of up to
    8 arenas per core, each thread's arena keeps the high-water mark of the pages it parsed, and the process
    held 348 MB where the pages needed about 200 (300,000 3.7 KB events, bench/memory.py); with one arena,
    203-211 MB at the same speed (the GIL serialises these allocations anyway). Called before the readers' threads
    start; same effect as MALLOC_ARENA_MAX=1 in the environment, which a connector does not control.
    """
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (AttributeError, OSError):
        return False
    return bool(mallopt(M_ARENA_MAX, 1))
