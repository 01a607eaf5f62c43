"""HogQL tokens: names, keywords, strings, numbers, `{placeholders}` and operators.

As in HogQL, `$` may start or appear in a name (`$start_timestamp`, `properties.$browser`), and so in a
placeholder's name (`{after_$start_timestamp}`).
"""

from __future__ import annotations

import re

from posthog_emulator.common.web import ApiError

KEYWORDS = {
    "SELECT",
    "FROM",
    "WHERE",
    "GROUP",
    "HAVING",
    "ORDER",
    "BY",
    "ASC",
    "DESC",
    "LIMIT",
    "OFFSET",
    "AND",
    "OR",
    "NOT",
    "NULL",
    "TRUE",
    "FALSE",
    "AS",
    "IN",
}
_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|--[^\n]*)
  | (?P<str>'(?:[^'\\]|\\.|'')*')
  | (?P<num>\d+(?:\.\d+)?)
  | (?P<ph>\{\s*[A-Za-z_$][A-Za-z0-9_$]*\s*\})
  | (?P<quoted>`[^`]*`|"[^"]*")
  | (?P<name>[A-Za-z_$][A-Za-z0-9_$]*)
  | (?P<op><=|>=|!=|<>|==|[=<>(),.*+\-])
""",
    re.VERBOSE,
)


def syntax_error(pos: int, found: str) -> ApiError:
    """A 400 shaped like HogQL's syntax errors."""
    return ApiError(400, f"Syntax error at line 1, column {pos}: unexpected {found!r}", code="hogql_error")


def tokenize(sql: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) triples; keywords are upper-cased with kind "kw"."""
    out, pos = [], 0
    while pos < len(sql):
        m = _TOKEN.match(sql, pos)
        if m is None:
            raise syntax_error(pos, sql[pos])
        kind, text = m.lastgroup or "", m.group()
        if kind == "name" and text.upper() in KEYWORDS:
            kind, text = "kw", text.upper()
        if kind != "ws":
            out.append((kind, text, pos))
        pos = m.end()
    out.append(("end", "", pos))
    return out
