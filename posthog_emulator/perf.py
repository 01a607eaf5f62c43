"""Scale check: build N events, time a 50,000-row /query/ page over HTTP, report peak RSS.

Run `python -m posthog_emulator.perf [N]`; prints one JSON line. The slow test runs the same code.
"""

from __future__ import annotations

import http.client
import resource
import sys
import time
from datetime import UTC, datetime
from typing import Any

import orjson

from posthog_emulator.config.settings import EmulatorSettings
from posthog_emulator.emulator import Emulator

PAGE_ROWS = 50_000
SQL = (
    "SELECT uuid, event, distinct_id, timestamp, properties, elements_chain FROM events "
    "WHERE timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC') "
    "AND (timestamp > toDateTime64({after_ts}, 6, 'UTC') OR (timestamp = toDateTime64({after_ts}, 6, 'UTC') "
    "AND uuid > toUUID({after_uuid}))) ORDER BY timestamp ASC, uuid ASC LIMIT {n}"
)


def measure(events: int = 1_000_000) -> dict[str, Any]:
    """Build time, first and keyset page times (HTTP round trip + client JSON parse), peak RSS."""
    started = time.monotonic()
    emu = Emulator(EmulatorSettings(seed=1, events=events, end=datetime(2026, 11, 1, tzinfo=UTC))).start()
    build_s = time.monotonic() - started
    try:
        first = _page(emu, "2020-01-01 00:00:00.000000", "00000000-0000-0000-0000-000000000000")
        last = first["body"]["results"][-1]
        second = _page(emu, last[3].replace("T", " ").rstrip("Z"), last[0])
    finally:
        emu.stop()
    return {
        "events": events,
        "build_s": round(build_s, 2),
        "page_rows": len(second["body"]["results"]),
        "first_page_s": first["seconds"],
        "keyset_page_s": second["seconds"],
        "page_bytes": second["bytes"],
        "peak_rss_mb": _peak_rss_mb(),
    }


def _page(emu: Emulator, after_ts: str, after_uuid: str) -> dict[str, Any]:
    values = {
        "start": "2020-01-01 00:00:00",
        "end": "2030-01-01 00:00:00",
        "after_ts": after_ts,
        "after_uuid": after_uuid,
    }
    body = orjson.dumps(
        {
            "query": {
                "kind": "HogQLQuery",
                "query": SQL.replace("{n}", str(PAGE_ROWS)),
                "values": values,
                "modifiers": {"convertToProjectTimezone": False},
            },
            "refresh": "force_blocking",
        }
    )
    host, port = emu.base_url.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=60)
    started = time.monotonic()
    conn.request(
        "POST",
        "/api/projects/101/query/",
        body=body,
        headers={"Authorization": f"Bearer {emu.api_key}", "Content-Type": "application/json"},
    )
    raw = conn.getresponse().read()
    parsed = orjson.loads(raw)
    seconds = round(time.monotonic() - started, 3)
    conn.close()
    return {"body": parsed, "seconds": seconds, "bytes": len(raw)}


def _peak_rss_mb() -> float:
    """This process's own peak RSS in MB, from VmHWM.

    VmHWM belongs to this process's memory map; Linux carries getrusage's ru_maxrss over from the parent across
    fork and exec (a 2.5 GB test session made a fresh child report 2.5 GB).
    """
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return round(int(line.split()[1]) / 1024, 1)  # kB
    except OSError:
        pass
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)  # Linux reports KiB


if __name__ == "__main__":
    print(orjson.dumps(measure(int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000)).decode())
