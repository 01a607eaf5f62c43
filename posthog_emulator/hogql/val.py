"""The typed value every compiled HogQL expression becomes (shared by the compiler and its functions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Val:
    """A typed expression: `fn(i)` per row, or `const`; `ts_lo/ts_hi` bound matching rows (inclusive)."""

    type: str  # uuid | str | json | datetime | number | bool | null | tuple
    fn: Callable[[int], Any] | None = None
    const: Any = None
    ts_lo: int | None = None
    ts_hi: int | None = None
    is_ts_column: bool = False
    sql_type: str | None = None  # ClickHouse type name when the generic one is wrong (UInt32, Int64...)

    def at(self) -> Callable[[int], Any]:
        """A per-row function even for constants."""
        if self.fn is not None:
            return self.fn
        value = self.const
        return lambda _i: value
