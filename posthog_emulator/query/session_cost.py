"""Rows a `sessions` query reads in ClickHouse: the raw sessions its `$start_timestamp` range reaches, ± 3 days.

HogQL's sessions v2 table aggregates `raw_sessions`, sorted by the session id's time (a UUIDv7). PostHog copies
a query's `$start_timestamp` bounds into the WHERE on `raw_sessions`, as bounds on the time in
`session_id_v7`, widened by SESSION_BUFFER_DAYS (3) each side (`SessionMinTimestampWhereClauseExtractorV2`,
posthog/hogql/database/schema/util/where_clause_extractor.py @efcc75f3; used by sessions_v2.py @45b41e82; its
test `util/test/test_session_v2_where_clause_extractor.py`: `.. - toIntervalDay(3) <= '2021-01-01'`). A LIMIT
never reaches below the aggregation. So a query reads every session starting within its range widened by 3
days on each bounded side, and all of them without a bound. One emulator session stands for one raw row.
"""

from __future__ import annotations

import bisect

from posthog_emulator.common.timefmt import DAY_US
from posthog_emulator.hogql.parse import Select
from posthog_emulator.state.runtime import Runtime
from posthog_emulator.tables import sessions
from posthog_emulator.tables.keyset import bound_on

BUFFER_US = 3 * DAY_US  # SESSION_BUFFER_DAYS


def rows_read(select: Select, rt: Runtime, pid: int) -> int:
    """The sessions whose start lies in the query's `$start_timestamp` range widened by 3 days."""
    starts = sessions.sessions_of(rt.dataset.events[pid]).starts
    where = select.where
    low = None if where is None else bound_on(where, "$start_timestamp", sessions.COLUMNS, True)
    high = None if where is None else bound_on(where, "$start_timestamp", sessions.COLUMNS, False)
    first = 0 if low is None else bisect.bisect_left(starts, low - BUFFER_US)
    last = len(starts) if high is None else bisect.bisect_right(starts, high + BUFFER_US)
    return max(0, last - first)
