"""Reading a custom query with a datetime cursor (streams/custom/cursor.py) against a fake `/query/`."""

from datetime import UTC, datetime, timedelta
from typing import Any

from source_posthog.streams.custom.read import read_custom_stream
from source_posthog.streams.custom.streams import custom_stream
from unit_tests.fakes import API, Harness, make_config

START = datetime(2024, 1, 1, tzinfo=UTC)
ROWS: list[tuple[str, datetime]] = [
    (f"00000000-0000-4000-8000-{i:012d}", START + timedelta(hours=3 * i)) for i in range(40)
]
QUERY = {
    "name": "llm",
    "query": "SELECT uuid, timestamp FROM events",
    "primary_key": ["uuid"],
    "cursor_field": "timestamp",
}
TIME_LIMIT = {
    "type": "server_error",
    "code": "error",
    "detail": "This query hit the 10-second time limit.",
    "attr": None,
}


def text(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parsed(value: str) -> datetime:
    return datetime.strptime(value, "%Y-%m-%d %H:%M:%S.%f").replace(tzinfo=UTC)


class FakeQuery:
    """The shape, density and page queries of one custom query; a page over a window wider than a day times out."""

    def __init__(self) -> None:
        self.timeouts = 0

    def __call__(self, request: Any, context: Any) -> dict[str, Any]:
        body = request.json()["query"]
        sql, values = body["query"], body["values"]
        if sql.startswith("SELECT intDiv"):
            hours: dict[int, int] = {}
            for _, at in self.within(values):
                hours[int(at.timestamp()) // 3600] = hours.get(int(at.timestamp()) // 3600, 0) + 1
            return {"columns": ["hour", "count()"], "results": [[h, c] for h, c in sorted(hours.items())]}
        types = [["uuid", "UUID"], ["timestamp", "DateTime64(6, 'UTC')"]]
        if "start" not in values:  # the LIMIT 1 shape query
            return {"columns": ["uuid", "timestamp"], "types": types, "results": [[ROWS[0][0], text(ROWS[0][1])]]}
        if parsed(values["end"]) - parsed(values["start"]) > timedelta(days=1):
            self.timeouts += 1
            context.status_code = 504
            return TIME_LIMIT
        rows = [r for r in self.within(values) if "after_timestamp" not in values or self.after(r, values)]
        limit = int(sql.rsplit("LIMIT ", 1)[1])
        return {"columns": ["uuid", "timestamp"], "types": types, "results": [[u, text(t)] for u, t in rows[:limit]]}

    @staticmethod
    def within(values: dict[str, Any]) -> list[tuple[str, datetime]]:
        return [r for r in ROWS if parsed(values["start"]) <= r[1] < parsed(values["end"])]

    @staticmethod
    def after(row: tuple[str, datetime], values: dict[str, Any]) -> bool:
        return (row[1], row[0]) > (parsed(values["after_timestamp"]), values["after_uuid"])


def test_given_windows_that_time_out_when_read_then_split_and_every_row_once_in_order(requests_mock: Any) -> None:
    fake = FakeQuery()
    requests_mock.post(f"{API}/projects/1/query/", json=fake)
    harness = Harness(make_config(custom_queries=[QUERY], events_page_size=5))
    stream = custom_stream(harness.config.custom_queries[0])
    emitted = read_custom_stream(stream, harness.sync([{"id": 1}]), "incremental", None)
    records = harness.records("llm")
    assert emitted == 40
    assert [r["uuid"] for r in records] == [u for u, _ in ROWS]
    assert {r["project_id"] for r in records} == {1}
    assert fake.timeouts > 0  # the planned window was wider than PostHog answered in time, and was split
    states = [m["state"]["stream"]["stream_state"] for m in harness.messages() if m["type"] == "STATE"]
    assert states[-2]["1"]["key"] == [ROWS[-1][0]]  # a checkpoint after the last page: its last row
    assert "key" not in states[-1]["1"]  # finished: the sync's start, from which the lookback counts


class FakeCharges:
    """A query with an integer cursor `seq`: the shape query, then keyset pages over (seq, id)."""

    def __init__(self, count: int) -> None:
        self.rows = [[i, f"ch_{i:03}"] for i in range(1, count + 1)]

    def __call__(self, request: Any, _context: Any) -> dict[str, Any]:
        body = request.json()["query"]
        values, limit = body["values"], int(body["query"].rsplit("LIMIT ", 1)[1])
        after = (values["after_seq"], values["after_id"]) if "after_seq" in values else None
        rows = [r for r in self.rows if after is None or (r[0], r[1]) > after]
        return {"columns": ["seq", "id"], "types": [["seq", "Int64"], ["id", "String"]], "results": rows[:limit]}


def test_given_an_integer_cursor_when_synced_twice_then_the_second_reads_only_new_rows(requests_mock: Any) -> None:
    fake = FakeCharges(12)
    requests_mock.post(f"{API}/projects/1/query/", json=fake)
    query = {"name": "charges", "query": "SELECT seq, id FROM t", "primary_key": ["id"], "cursor_field": "seq"}
    harness = Harness(make_config(custom_queries=[query], events_page_size=5))
    stream = custom_stream(harness.config.custom_queries[0])
    assert read_custom_stream(stream, harness.sync([{"id": 1}]), "incremental", None) == 12
    states = [m["state"]["stream"]["stream_state"] for m in harness.messages() if m["type"] == "STATE"]
    assert states[-1] == {"1": {"seq": 12, "key": ["ch_012"]}}  # no upper bound: the last row read
    fake.rows += [[13, "ch_013"], [14, "ch_014"]]
    again = Harness(make_config(custom_queries=[query], events_page_size=5))
    assert read_custom_stream(stream, again.sync([{"id": 1}]), "incremental", states[-1]) == 2
    assert [r["id"] for r in again.records("charges")] == ["ch_013", "ch_014"]
