"""Rows a sessions query reads: its `$start_timestamp` range widened by 3 days, all without one (issue 27)."""

from datetime import UTC, datetime

from posthog_emulator import Emulator
from posthog_emulator.common.timefmt import DAY_US
from posthog_emulator.tables import sessions
from posthog_emulator.tests.conftest import MAIN, Api, hogql

WINDOW = (
    "SELECT session_id FROM sessions WHERE $start_timestamp >= toDateTime64({s}, 6, 'UTC') "
    "AND $start_timestamp < toDateTime64({e}, 6, 'UTC') ORDER BY session_id ASC LIMIT 5"
)


def test_given_a_start_window_when_costed_then_the_sessions_within_it_widened_by_three_days(
    emu: Emulator, api: Api
) -> None:
    starts = sessions.sessions_of(emu.app.rt.dataset.events[MAIN]).starts
    api("POST", f"/api/projects/{MAIN}/query/", json=hogql("SELECT session_id FROM sessions LIMIT 5"))
    assert emu.requests[-1]["query_cost"]["scanned_rows"] == len(starts)
    middle = starts[len(starts) // 2] // 1_000_000 * 1_000_000
    lo, hi = middle - DAY_US, middle + DAY_US
    values = {k: datetime.fromtimestamp(v / 1e6, UTC).strftime("%Y-%m-%d %H:%M:%S") for k, v in (("s", lo), ("e", hi))}
    api("POST", f"/api/projects/{MAIN}/query/", json=hogql(WINDOW, values))
    widened = [s for s in starts if lo - 3 * DAY_US <= s <= hi + 3 * DAY_US]
    assert emu.requests[-1]["query_cost"]["scanned_rows"] == len(widened) < len(starts)
