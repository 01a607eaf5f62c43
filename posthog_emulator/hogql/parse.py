"""Recursive-descent parser for the HogQL SELECT the connector sends (DESIGN.md); expressions are expr's.

SELECT cols FROM table|(SELECT ...) [[AS] alias] [WHERE expr] [GROUP BY expr, ...] [ORDER BY expr [ASC|DESC], ...]
[LIMIT n [OFFSET m] | LIMIT m, n] [OFFSET m]. A subquery in FROM is a custom
query stream's (tables/subquery.py) or a bounded keyset page's bound (tables/raw_keys.py); a scalar
subquery in the SELECT list is a bounded page's next bound (tables/scalars.py).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from posthog_emulator.hogql.expr import ExprParser, Node
from posthog_emulator.hogql.lex import syntax_error


@dataclass
class Select:
    """A parsed SELECT statement."""

    columns: list[tuple[Node, str | None]]
    table: str
    where: Node | None = None
    group_by: list[Node] = field(default_factory=list)
    order: list[tuple[Node, bool]] = field(default_factory=list)  # (expr, descending)
    limit: Node | None = None
    offset: Node | None = None
    subquery: Select | None = None  # FROM (SELECT ...): `table` is then its alias, or ""
    having: Node | None = None  # a raw table aggregated as its lazy table is (tables/raw_aggregate)


class Parser(ExprParser):
    """The statement grammar on top of the expression grammar."""

    def select(self) -> Select:
        """A whole statement: one SELECT and nothing after it."""
        query = self.select_body()
        if self.tokens[self.i][0] != "end":
            raise syntax_error(self.tokens[self.i][2], self.tokens[self.i][1])
        return query

    def select_body(self) -> Select:
        """Grammar: SELECT column {, column} FROM source [WHERE] [GROUP BY [HAVING]] [ORDER BY] [LIMIT/OFFSET]."""
        self.take("SELECT")
        columns = [self.column()]
        while self.accept(","):
            columns.append(self.column())
        self.take("FROM")
        query = self.source(columns)
        if self.accept("WHERE"):
            query.where = self.expr()
        if self.accept("GROUP"):
            self.take("BY")
            query.group_by = [self.expr()]
            while self.accept(","):
                query.group_by.append(self.expr())
            if self.accept("HAVING"):
                query.having = self.expr()
        if self.accept("ORDER"):
            self.take("BY")
            query.order = [self.order_item()]
            while self.accept(","):
                query.order.append(self.order_item())
        self.limit_clause(query)
        return query

    def source(self, columns: list[tuple[Node, str | None]]) -> Select:
        """Grammar: source := table | ( select ) [[AS] alias]."""
        if not self.accept("("):
            return Select(columns, self.identifier())
        inner = self.select_body()
        self.take(")")
        alias = self.identifier() if self.accept("AS") or self.tokens[self.i][0] == "name" else ""
        return Select(columns, alias, subquery=inner)

    def parenthesised(self) -> Node:
        """A scalar subquery `(SELECT ...)` (a bounded page's next bound), else the expression grammar's."""
        if self.peek("SELECT"):
            inner = self.select_body()
            self.take(")")
            return Node("subquery", inner)
        return super().parenthesised()

    def limit_clause(self, query: Select) -> None:
        """LIMIT n [OFFSET m] | LIMIT m, n, then an optional trailing OFFSET m."""
        if self.accept("LIMIT"):
            query.limit = self.expr()
            if self.accept(","):
                query.offset, query.limit = query.limit, self.expr()
        if self.accept("OFFSET"):
            query.offset = self.expr()

    def column(self) -> tuple[Node, str | None]:
        """Grammar: column := * | expr [AS alias]."""
        if self.accept("*"):
            return Node("star"), None
        node = self.expr()
        alias = self.identifier() if self.accept("AS") else None
        return node, alias

    def order_item(self) -> tuple[Node, bool]:
        """order_item := expr [ASC | DESC]."""
        node = self.expr()
        if self.accept("DESC"):
            return node, True
        self.accept("ASC")
        return node, False


def parse_select(sql: str, values: dict[str, Any]) -> Select:
    """Parse one SELECT; syntax problems become 400 like HogQL's."""
    return Parser(sql, values).select()
