"""A response body cut short on purpose: it outgrew the bytes its page may hold (issue 23).

A LIMIT cannot know what its rows weigh, so a page sized from the rows seen so far may meet a row of several
megabytes. Rather than hold the whole answer, the body is read in chunks under a ceiling (the page's share of
`max_memory_mb`, streams/query/budget.py); past it, reading stops, nothing is parsed or emitted, and the caller
asks the same page again with fewer rows: the rows before the first one heavier than the page's share, then
that row alone (`BodyCutError.retry`, from `row_sizes`); if no row is that heavy (a page that merely ran over),
the rows that were complete. So memory holds at most the page's share plus that one row, and the row is alone
in its page the first time it is delivered.
"""

import re
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from threading import local
from typing import TypeVar

# A complete JSON string (escapes included), a bracket, or a lone quote: a string the prefix ends inside.
TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[][{}"]')
COLON = re.compile(rb"\s*:")
RESULTS = b'"results"'
OPENING, CLOSING, QUOTE = frozenset(b"[{"), frozenset(b"]}"), ord('"')
T = TypeVar("T")


class BodyCutError(Exception):
    """A body abandoned unparsed once it outgrew its ceiling."""

    def __init__(self, read: int, sizes: list[int], complete: int) -> None:
        super().__init__(f"response body abandoned after {read:,} bytes ({complete:,} complete rows)")
        self.read = read
        """Bytes read before stopping."""
        self.sizes = sizes
        """The bytes of each row of `results` begun within them; the last one may be partial (so far)."""
        self.complete = complete
        """How many of those rows are complete."""

    def retry(self, heavy: float, most: int) -> tuple[int, bool]:
        """How many rows to ask the page again with, and whether the row after them then comes alone.

        The rows before the first one heavier than `heavy` (a page's share), then that one alone; if none is, the
        rows that were complete (a page that merely ran over). At most `most`, at least one.
        """
        first = self.first_heavy(heavy)
        if first is None:
            return max(1, min(self.complete, most)), False
        return max(1, min(first, most)), 0 < first <= most

    def first_heavy(self, heavy: float) -> int | None:
        """Where the first row heavier than `heavy` bytes stands; None if none is (the page merely ran over)."""
        return next((i for i, size in enumerate(self.sizes) if size > heavy), None)


def ask_within(
    cap: AbstractContextManager[None], heavy: float, get: Callable[[int], T], first: int, most: int
) -> tuple[T, int | None, bool]:
    """`get(first)` with its body read under `cap`; if cut, `get(fewer)` read whole (`BodyCutError.retry`).

    Returns the answer, the rows asked again after a cut (None without one), and whether the row after them
    outweighs `heavy` and must come alone. The one way /query/ pages and REST lists shrink a page that met a
    heavy row (streams/query/keyset.py, streams/rest/sizing.py).
    """
    try:
        with cap:
            return get(first), None, False
    except BodyCutError as cut:
        fewer, alone_next = cut.retry(heavy, most)
    return get(fewer), fewer, alone_next  # outside the handler: the cut body is not kept alive by its frames


class Ceiling:
    """The most bytes the next body read on this thread may have (None: no ceiling); set around one request."""

    def __init__(self) -> None:
        self._local = local()  # readers run side by side on threads, each with its own page

    def get(self) -> int | None:
        """The ceiling set on this thread, if any."""
        value: int | None = getattr(self._local, "bytes", None)
        return value

    @contextmanager
    def at(self, max_bytes: float | None) -> Iterator[None]:
        """Bodies read on this thread within the block are abandoned past `max_bytes` (None: read whole)."""
        self._local.bytes = None if max_bytes is None else int(max_bytes)
        try:
            yield
        finally:
            self._local.bytes = None


def row_sizes(prefix: bytes | bytearray) -> tuple[list[int], int]:
    """The bytes of each row of the top-level `results` array begun in a body's first bytes; how many are complete.

    The last row may be cut (its size so far). A small scanner, not a parser: strings are skipped whole (a bracket
    inside one is text), brackets counted. It runs once per cut body (rare), over about a page's share of bytes.
    """
    depth, sizes, complete, key_is_results, inside, begun = 0, list[int](), 0, False, False, 0
    for match in TOKEN.finditer(prefix):
        start, end = match.span()
        char = prefix[start]
        if char == QUOTE:
            if end - start == 1:
                break  # the prefix ends inside a string
            if depth == 1 and COLON.match(prefix, end):
                key_is_results = prefix[start:end] == RESULTS
        elif char in OPENING:
            depth += 1
            inside = inside or (depth == 2 and key_is_results)
            begun = start if inside and depth == 3 else begun
        elif char in CLOSING:
            depth -= 1
            if inside and depth == 2:
                sizes.append(end - begun)
                complete += 1
            elif inside and depth == 1:
                return sizes, complete  # the whole array was read
    if inside and depth >= 3:
        sizes.append(len(prefix) - begun)
    return sizes, complete
