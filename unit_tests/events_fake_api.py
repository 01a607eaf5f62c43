"""An in-memory PostHog events API for requests-mock: `/query/` (the connector's HogQL shapes) and `/events/`.

Rows are (timestamp, uuid) pairs. `/query/` answers in a project timezone with JSON-string properties and
columns in a shuffled order; `/events/` clamps its page, has exclusive bounds and no tie-breaker, exactly
the traps the readers must survive. Uuids in tests differ only in their last group, so text order and
ClickHouse order agree.
"""

import re
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import orjson

from unit_tests.fakes import API

COLUMNS = ["timestamp", "uuid", "properties", "event", "elements_chain", "distinct_id"]  # not the asked order
CHAIN = 'a.nav:href="/pricing"nth-child="1"nth-of-type="1"text="Pricing"'
UUID_RANGE = re.compile(r"toString\(uuid\) >= '([-0-9a-g]*)' AND toString\(uuid\) < '([-0-9a-g]*)'")


def uid(n: int) -> str:
    return f"0190f1c2-7d1e-7a3b-9c4d-{n:012x}"


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def uuid_range(properties: str) -> tuple[str, str] | None:
    """The [lo, hi) uuid bounds among the HogQL property filters sent to the legacy events list, if any."""
    matches = (UUID_RANGE.search(found["key"]) for found in orjson.loads(properties))
    match = next((found for found in matches if found), None)
    return (match[1], match[2]) if match else None


class FakeEventsApi:
    """Serves one project's rows; records every query body and /events/ params it saw."""

    def __init__(
        self,
        rows: list[tuple[datetime, str]],
        tz: str = "UTC",
        events_page: int = 1000,
        ingested: dict[str, datetime] | None = None,
    ) -> None:
        self.rows = sorted(rows)
        self.ingested = ingested or {}
        """`created_at` by uuid; a row not named here was ingested at its timestamp."""
        self.tz = ZoneInfo(tz)
        self.events_page = events_page
        self.honours_hogql_filter = True
        self.queries: list[dict[str, Any]] = []
        self.event_params: list[dict[str, str]] = []

    def mount(self, mocker: Any, project_id: int = 1) -> None:
        mocker.post(f"{API}/projects/{project_id}/query/", json=self.query)
        mocker.get(f"{API}/projects/{project_id}/events/", json=self.events)

    def cell(self, when: datetime) -> str:
        return when.astimezone(self.tz).isoformat(timespec="microseconds").replace("+00:00", "Z")

    def render(self, when: datetime, uuid: str) -> list[Any]:
        props = orjson.dumps({"$browser": "Chrome", "n": uuid[-4:]}).decode()
        chain = CHAIN if uuid.endswith("0") else ""
        return [self.cell(when), uuid, props, "$pageview", chain, "user"]

    def query(self, request: Any, _context: Any) -> dict[str, Any]:
        body = request.json()
        self.queries.append(body)
        sql, values = body["query"]["query"], body["query"]["values"]
        start, end = at(values["start"]), at(values["end"])
        rows = [(ts, u) for ts, u in self.rows if start <= ts < end]
        if "ingested_since" in values:
            since = at(values["ingested_since"])
            rows = [(ts, u) for ts, u in rows if self.ingested.get(u, ts) >= since]
        if sql.startswith("SELECT count(), min(timestamp), max(timestamp)"):
            first, last = (self.cell(rows[0][0]), self.cell(rows[-1][0])) if rows else (None, None)
            return {"columns": ["count()", "min(timestamp)", "max(timestamp)"], "results": [[len(rows), first, last]]}
        if sql.startswith("SELECT intDiv(toUnixTimestamp(timestamp), 3600) AS hour, count()"):
            hours = Counter(int(ts.timestamp()) // 3600 for ts, _ in rows)
            return {"columns": ["hour", "count()"], "results": [[hour, n] for hour, n in sorted(hours.items())]}
        if sql.startswith("SELECT count()"):
            return {"columns": ["count()"], "results": [[len(rows)]]}
        if "after_timestamp" in values:
            rows = [r for r in rows if r > (at(values["after_timestamp"]), values["after_uuid"])]
        limit = int(sql.rsplit("LIMIT ", 1)[1])
        return {"columns": COLUMNS, "results": [self.render(ts, u) for ts, u in rows[:limit]], "hasMore": None}

    def events(self, request: Any, _context: Any) -> dict[str, Any]:
        params = {k: v[0] for k, v in parse_qs(urlsplit(request.url).query).items()}
        self.event_params.append(params)
        after, before = datetime.fromisoformat(params["after"]), datetime.fromisoformat(params["before"])
        rows = [(ts, u) for ts, u in self.rows if after < ts < before]  # both bounds exclusive
        bounds = uuid_range(params.get("properties", "[]"))
        if bounds and self.honours_hogql_filter:  # every row is a $pageview: an event-name filter keeps all
            lo, hi = bounds
            rows = [(ts, u) for ts, u in rows if lo <= u < hi]
        rows.sort(key=lambda r: (r[0], -int(r[1][-12:], 16)))  # ties in no useful order
        page = rows[: min(int(params["limit"]), self.events_page)]
        more = len(rows) > len(page)
        next_url = f"{API}/next?after={page[-1][0].isoformat()}" if more else None
        return {"next": next_url, "results": [self.legacy_row(ts, u) for ts, u in page]}

    def legacy_row(self, when: datetime, uuid: str) -> dict[str, Any]:
        return {
            "id": uuid,
            "distinct_id": "user",
            "properties": {"$browser": "Chrome"},
            "event": "$pageview",
            "timestamp": when.isoformat(),
            "person": None,
            "elements": [],
            "elements_chain": "",
        }


def spread(first: datetime, count: int, gap: timedelta, base: int = 0) -> list[tuple[datetime, str]]:
    """`count` rows `gap` apart from `first`, uuids numbered from `base`."""
    return [(first + i * gap, uid(base + i)) for i in range(count)]


def tie(when: datetime, count: int, base: int) -> list[tuple[datetime, str]]:
    """`count` rows sharing one timestamp."""
    return [(when, uid(base + i)) for i in range(count)]
