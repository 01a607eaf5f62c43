"""A response body cut short on purpose: it outgrew the bytes its page may hold (issue 23).

A LIMIT cannot know what its rows weigh, so a page sized from the rows seen so far may meet a row of several
megabytes. Rather than hold the whole answer, the body is read in chunks under a ceiling (the page's share of
`max_memory_mb`, streams/query/budget.py); past it, reading stops, nothing is parsed or emitted, and the caller
asks the same page again with fewer rows: the complete rows that fit before the cut (`complete_rows`), or the
heavy row alone. So memory holds at most the page's share plus that one row, and the row is alone in its page
the first time it is delivered.
"""

import re
from collections.abc import Iterator
from contextlib import contextmanager
from threading import local

# A complete JSON string (escapes included), a bracket, or a lone quote: a string the prefix ends inside.
TOKEN = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"|[][{}"]')
COLON = re.compile(rb"\s*:")
RESULTS = b'"results"'
OPENING, CLOSING, QUOTE = frozenset(b"[{"), frozenset(b"]}"), ord('"')


class BodyCutError(Exception):
    """A body abandoned unparsed once it outgrew its ceiling."""

    def __init__(self, read: int, rows: int) -> None:
        super().__init__(f"response body abandoned after {read:,} bytes ({rows:,} complete rows)")
        self.read = read
        """Bytes read before stopping."""
        self.rows = rows
        """Rows of `results` complete within those bytes: a page of that many fits the ceiling."""


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


def complete_rows(prefix: bytes | bytearray) -> int:
    """How many elements of the top-level `results` array are complete in a JSON body's first bytes.

    A small scanner, not a parser: strings are skipped whole (a bracket inside one is text), brackets counted.
    It runs once per cut body (a rare event), over at most a page's share of bytes.
    """
    depth, rows, key_is_results, inside = 0, 0, False, False
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
        elif char in CLOSING:
            depth -= 1
            if inside and depth == 2:
                rows += 1
            elif inside and depth == 1:
                break  # the whole array was read
    return rows
