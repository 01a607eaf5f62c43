"""HogQL expressions: the node they parse into, and a recursive-descent parser for them.

expressions: OR/AND/NOT, comparisons (also of tuples), [NOT] IN a tuple or a list placeholder, calls,
fields, literals, `{placeholders}`. Placeholders are replaced by typed constants from `values` while
parsing. A SELECT statement around them is parse's.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql.lex import syntax_error, tokenize


@dataclass(frozen=True)
class Node:
    """Expression node: kind in const|field|call|cmp|and|or|not|tuple|star."""

    kind: str
    value: Any = None
    args: tuple[Node, ...] = ()


class ExprParser:
    """One instance per query; `values` fills `{name}` placeholders."""

    def __init__(self, sql: str, values: dict[str, Any]) -> None:
        self.tokens = tokenize(sql)
        self.i = 0
        self.values = values

    def peek(self, text: str) -> bool:
        """Is the next token this keyword/operator?"""
        return self.tokens[self.i][1] == text and self.tokens[self.i][0] in ("kw", "op")

    def take(self, text: str | None = None) -> tuple[str, str, int]:
        """Consume the next token, which must be `text` when given."""
        tok = self.tokens[self.i]
        if text is not None and not self.peek(text):
            raise syntax_error(tok[2], tok[1] or "end of query")
        self.i += 1
        return tok

    def accept(self, text: str) -> bool:
        """Consume the next token if it is `text`."""
        if self.peek(text):
            self.i += 1
            return True
        return False

    def identifier(self) -> str:
        """A bare or quoted name."""
        kind, text, pos = self.take()
        if kind == "quoted":
            return text[1:-1]
        if kind != "name":
            raise syntax_error(pos, text or "end of query")
        return text

    def expr(self) -> Node:
        """Grammar: expr := conjunction {OR conjunction}."""
        items = [self.conjunction()]
        while self.accept("OR"):
            items.append(self.conjunction())
        return items[0] if len(items) == 1 else Node("or", args=tuple(items))

    def conjunction(self) -> Node:
        """Grammar: conjunction := negation {AND negation}."""
        items = [self.negation()]
        while self.accept("AND"):
            items.append(self.negation())
        return items[0] if len(items) == 1 else Node("and", args=tuple(items))

    def negation(self) -> Node:
        """Grammar: negation := NOT negation | comparison."""
        if self.accept("NOT"):
            return Node("not", args=(self.negation(),))
        return self.comparison()

    def comparison(self) -> Node:
        """Grammar: comparison := primary [op primary | [NOT] IN primary]."""
        left = self.primary()
        if self.accept("IN"):
            return Node("cmp", "in", (left, self.primary()))
        if self.peek("NOT") and self.tokens[self.i + 1][1] == "IN":
            self.i += 2
            return Node("cmp", "not in", (left, self.primary()))
        for op in ("=", "==", "!=", "<>", "<=", ">=", "<", ">"):
            if self.accept(op):
                norm = {"==": "=", "<>": "!="}.get(op, op)
                return Node("cmp", norm, (left, self.primary()))
        return left

    def primary(self) -> Node:
        """Literals, placeholders, parentheses/tuples, fields and calls."""
        kind, text, pos = self.take()
        literal = _literal(kind, text)
        if literal is not None:
            return literal
        if kind == "ph":
            return self.placeholder(text[1:-1].strip(), pos)
        if kind == "op" and text == "-" and self.tokens[self.i][0] == "num":
            number = self.primary()
            return Node("const", -number.value)
        if kind == "op" and text == "(":
            return self.parenthesised()
        if kind in ("name", "quoted"):
            return self.name_or_call(text.strip('`"') if kind == "quoted" else text)
        raise syntax_error(pos, text or "end of query")

    def parenthesised(self) -> Node:
        """( expr ) or a tuple ( expr, expr, ... )."""
        items = [self.expr()]
        while self.accept(","):
            items.append(self.expr())
        self.take(")")
        return items[0] if len(items) == 1 else Node("tuple", args=tuple(items))

    def name_or_call(self, name: str) -> Node:
        """name(args) or a dotted field chain such as properties.$browser; count(*) is count()."""
        if self.accept("("):
            args: list[Node] = []
            if self.peek("*") and self.tokens[self.i + 1][1] == ")":
                self.i += 1
            if not self.accept(")"):
                args.append(self.expr())
                while self.accept(","):
                    args.append(self.expr())
                self.take(")")
            return Node("call", name, tuple(args))
        chain = [name]
        while self.accept("."):
            chain.append(self.identifier())
        return Node("field", tuple(chain))

    def placeholder(self, name: str, pos: int) -> Node:
        """`{name}` -> the constant from `values`, or HogQL's 400."""
        if name not in self.values:
            raise ApiError(
                400,
                f"Placeholder {{{name}}} is not available in this context. You can use the "
                f"following: {', '.join(sorted(self.values))}",
                code="hogql_error",
            )
        return Node("const", self.values[name])


def _literal(kind: str, text: str) -> Node | None:
    if kind == "str":
        return Node("const", _unescape(text[1:-1]))
    if kind == "num":
        return Node("const", float(text) if "." in text else int(text))
    if kind == "kw" and text in ("NULL", "TRUE", "FALSE"):
        return Node("const", {"NULL": None, "TRUE": True, "FALSE": False}[text])
    return None


ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "0": "\0"}  # HogQL's string escapes; any other escaped char is itself


def _unescape(body: str) -> str:
    return re.sub(r"\\(.)|''", lambda m: ESCAPES.get(m.group(1), m.group(1)) if m.group(1) else "'", body)


def parse_expr(sql: str) -> Node:
    """Parse a lone expression (a `hogql` property filter); trailing tokens are a syntax error."""
    parser = ExprParser(sql, {})
    node = parser.expr()
    kind, text, pos = parser.tokens[parser.i]
    if kind != "end":
        raise syntax_error(pos, text)
    return node
