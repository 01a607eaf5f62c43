"""HogQL functions on datetimes and integers: toDateTime64 & co, toUnixTimestamp, intDiv.

Datetimes are epoch microseconds (UTC) throughout; a timezone only matters when text is parsed,
so `toUnixTimestamp` is timezone-independent as in ClickHouse.
"""

from __future__ import annotations

from typing import Any
from zoneinfo import ZoneInfo

from posthog_emulator.common.timefmt import parse_datetime
from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql.val import Val

INTEGER_TYPES = {"UInt8", "UInt16", "UInt32", "UInt64", "Int8", "Int16", "Int32", "Int64"}


def hogql_error(detail: str) -> ApiError:
    """A 400 as HogQL answers a query it cannot run."""
    return ApiError(400, detail, code="hogql_error")


def parse_dt(text: str, tz: ZoneInfo) -> int:
    """Datetime text (naive = in `tz`) as epoch microseconds, or HogQL's 400."""
    try:
        return parse_datetime(text, tz)
    except ValueError as exc:
        raise hogql_error(f"Cannot parse DateTime64 from '{text}'") from exc


def zone_of(args: list[Val], tz: ZoneInfo) -> ZoneInfo:
    """The constant timezone argument (last, when there are two or more), else `tz`."""
    zone = args[-1] if len(args) >= 2 and args[-1].type == "str" else None
    return ZoneInfo(str(zone.const)) if zone is not None and zone.fn is None else tz


def to_datetime(args: list[Val], tz: ZoneInfo) -> Val:
    """toDateTime64(x[, precision][, tz]): a datetime column passes through; text and numbers are constants."""
    first = args[0]
    if first.type == "datetime":
        return first
    if first.fn is None and first.type == "str":
        return Val("datetime", const=parse_dt(str(first.const), zone_of(args, tz)))
    if first.fn is None and first.type == "number":
        return Val("datetime", const=int(first.const * 1_000_000))
    raise hogql_error("Cannot convert expression to DateTime64")


def unix_timestamp(args: list[Val], tz: ZoneInfo) -> Val:
    """toUnixTimestamp(datetime[, tz]) -> UInt32 epoch seconds (floor), whatever the timezone."""
    first = args[0] if args[0].type == "datetime" else to_datetime(args, tz)
    if first.fn is None:
        return Val("number", const=first.const // 1_000_000, sql_type="UInt32")
    fn = first.fn
    return Val("number", fn=lambda i: fn(i) // 1_000_000, sql_type="UInt32")


def int_div(a: Val, b: Val) -> Val:
    """intDiv(a, b): integer quotient truncated toward zero; the dividend's integer type, else Int64."""
    if a.type != "number" or b.type != "number":
        raise hogql_error("Illegal types of arguments of function intDiv: both must be numbers")
    sql_type = a.sql_type if a.sql_type in INTEGER_TYPES else "Int64"
    if a.fn is None and b.fn is None:
        return Val("number", const=_trunc_div(a.const, b.const), sql_type=sql_type)
    left, right = a.at(), b.at()
    if b.fn is None and isinstance(b.const, int) and b.const > 0 and str(a.sql_type).startswith("UInt"):
        divisor = b.const  # both non-negative: floor division is truncation, and fast (density queries)
        return Val("number", fn=lambda i: left(i) // divisor, sql_type=sql_type)
    return Val("number", fn=lambda i: _trunc_div(left(i), right(i)), sql_type=sql_type)


def _trunc_div(a: Any, b: Any) -> int:
    if int(b) == 0:
        raise hogql_error("Division by zero")
    quotient = abs(int(a)) // abs(int(b))
    return quotient if (a < 0) == (b < 0) else -quotient


# HogQL's `toFloat`/`toInt` are `accurateCastOrNull(x, 'Float64'|'Int64')` (posthog/hogql/functions/mapping.py
# @ af2acc5c): text that does not parse becomes NULL, so the column is Nullable.
NUMBER_CASTS = {"toFloat": float, "toFloatOrNull": float, "toInt": int, "toIntOrNull": int}


def to_number(name: str, arg: Val) -> Val:
    """toFloat(x) / toInt(x) of a text or number: the number, NULL when it does not parse."""
    cast = NUMBER_CASTS[name]
    sql_type = "Nullable(Float64)" if cast is float else "Nullable(Int64)"

    def convert(value: Any) -> Any:
        try:
            return None if value is None else cast(float(value)) if cast is int else cast(value)
        except (TypeError, ValueError):
            return None

    if arg.fn is None:
        return Val("number", const=convert(arg.const), sql_type=sql_type)
    fn = arg.fn
    return Val("number", fn=lambda i: convert(fn(i)), sql_type=sql_type)
