"""Uuid-text ranges that split a tie block of `/events/` (events sharing one timestamp) into pages that fit.

A full part is split around the longest prefix its page's ids share: UUIDv7 ids of one millisecond share 15
characters, and splitting one character at a time would cost 17 requests per shared one.
"""

from collections.abc import Callable
from typing import Any

UUID_CHARS = "-0123456789abcdef"  # every character of a uuid's text, in ascending order
PAST_PREFIX = "g"  # prefix + "g" sorts after every uuid text starting with prefix
EVERY_UUID = ("", PAST_PREFIX)
UNSPLIT = (
    "Project {project}: more events share timestamp {at} than one /events/ page holds, and this instance ignores "
    "the HogQL filter needed to split them; some of them may be missing."
)
Row = dict[str, Any]


def read_parts(
    fetch: Callable[[tuple[str, str]], tuple[list[Row], bool]],
    emit: Callable[[list[Row], set[str]], None],
    rows: list[Row],
    seen: set[str],
) -> bool:
    """Emit a tie block's events by uuid ranges, split while a part's page is full; False if filters are ignored.

    `rows` is the block's first (full) page; `fetch(part)` reads the block's events whose uuid text is in `part`.
    """
    pending = [(EVERY_UUID, rows)]
    while pending:
        whole, sample = pending.pop()
        for part in split_range(whole, [row["id"] for row in sample]):
            rows, more = fetch(part)
            if any(not part[0] <= row["id"] < part[1] for row in rows):
                return False
            emit(rows, seen)
            if more:
                pending.append((part, rows))
    return True


def split_range(whole: tuple[str, str], ids: list[str]) -> list[tuple[str, str]]:
    """Ranges covering `whole`: one per character after the ids' common prefix P, plus whatever lies outside P.

    Every part excludes the ids of the full page that prompted the split, so splitting always ends.
    """
    prefix = common_prefix(ids)
    parts = [(prefix + char, prefix + char + PAST_PREFIX) for char in UUID_CHARS]
    parts = [("", prefix), *parts, (prefix + PAST_PREFIX, PAST_PREFIX)]
    clipped = [(max(lo, whole[0]), min(hi, whole[1])) for lo, hi in parts]
    return [(lo, hi) for lo, hi in clipped if lo < hi and (lo, hi) != whole]  # ids outside `whole`: no loop


def common_prefix(ids: list[str]) -> str:
    """The longest prefix of uuid characters every id starts with (ids come from the server: nothing else passes)."""
    prefix = ""
    for chars in zip(*ids, strict=False):
        if len(set(chars)) != 1 or chars[0] not in UUID_CHARS:
            break
        prefix += chars[0]
    return prefix
