"""The physical limit: pull every events page over HTTP as fast as possible, with no connector logic.

Same pages as the connector: the same `/query/` HogQL (keyset on (timestamp, uuid)), page size
and `events_time_step` slices from start_date to now. Then a raw keep-alive `http.client`
connection, orjson, and the same RECORD lines through a 1 MB buffer (`emitted_at` taken once per
page). No retries, pacing, state or validation: whatever the connector adds costs time above this.

    python bench/bare_loop.py CONFIG_JSON > out.jsonl
"""

import http.client
import os
import re
import sys
import time
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from typing import Any
from urllib.parse import urlsplit

import orjson

SQL = (
    "SELECT uuid, event, distinct_id, timestamp, properties, elements_chain FROM events"
    " WHERE timestamp >= toDateTime64({start}, 6, 'UTC') AND timestamp < toDateTime64({end}, 6, 'UTC')"
    "{after} ORDER BY timestamp ASC, uuid ASC LIMIT %d"
)
AFTER = (
    " AND (timestamp > toDateTime64({after_ts}, 6, 'UTC')"
    " OR (timestamp = toDateTime64({after_ts}, 6, 'UTC') AND uuid > toUUID({after_uuid})))"
)
STDOUT_BUFFER_BYTES = 1 << 20  # as the connector: lines go out in 1 MB writes
PREFIX = b'{"type":"RECORD","record":{"stream":"events","data":'
# PostHog's chain_to_element_dicts: the same expressions the connector uses to build `elements`.
SPLIT_CHAIN = re.compile(r'(?:[^\s;"]|"(?:\\.|[^"])*")+')
CLASS_AND_ATTRS = re.compile(r"(.*?)($|:([a-zA-Z\-_0-9]*=.*))")
ATTRS = re.compile(r'(.*?)="((?:[^"\\]|\\.)*)"')
NAMED_ATTRS = {
    "href": "href",
    "text": "text",
    "attr_id": "attr_id",
    "nth-child": "nth_child",
    "nth-of-type": "nth_of_type",
}


@lru_cache(maxsize=8192)  # as the connector: chains repeat, each distinct chain is parsed once
def parse_elements(chain: str) -> list[dict[str, Any]]:
    """`elements_chain` -> the legacy `elements` list."""
    return [parse_element(text, order) for order, text in enumerate(SPLIT_CHAIN.findall(chain))]


@lru_cache(maxsize=8192)  # as the connector: distinct chains share elements, so cached chains share dicts
def parse_element(text: str, order: int) -> dict[str, Any]:
    """One element of a chain."""
    match = CLASS_AND_ATTRS.search(text)
    tag_part = match.group(1) if match else ""
    tag, dot, classes = tag_part.partition(".")
    element: dict[str, Any] = {
        "event": None, "text": None, "tag_name": tag if tag_part else None,
        "attr_class": [name for name in classes.split(".") if name] if dot else None,
        "href": None, "attr_id": None, "nth_child": None, "nth_of_type": None, "attributes": {}, "order": order,
    }  # fmt: skip
    for key, value in ATTRS.findall(match.group(3) or "" if match else ""):  # values keep their escaping
        if key in NAMED_ATTRS:
            element[NAMED_ATTRS[key]] = int(value) if key.startswith("nth") else value
        elif key:
            element["attributes"][key] = value
    return element


def canonical(ts: str) -> str:
    """`...Z` with microseconds is the common case: a string edit; anything else goes through datetime."""
    if len(ts) == 27 and ts[-1] == "Z":
        return ts[:-1] + "+00:00"
    return datetime.fromisoformat(ts).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def hogql(ts: str | datetime) -> str:
    """A datetime (or ISO text) as a HogQL toDateTime64 literal in UTC."""
    value = datetime.fromisoformat(ts) if isinstance(ts, str) else ts
    return value.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def slices(config: dict[str, Any]) -> list[tuple[str, str]]:
    """[start, start + step) ... up to now, as HogQL literals: the connector's slices."""
    start, now = datetime.fromisoformat(config["start_date"]), datetime.now(UTC)
    step = timedelta(days=int(config.get("events_time_step", 30)))
    bounds = []
    while start < now:
        bounds.append((hogql(start), hogql(min(start + step, now))))
        start += step
    return bounds


class Api:
    """One keep-alive connection to the emulator."""

    def __init__(self, base_url: str, api_key: str) -> None:
        self.connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=600)
        self.headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}

    def call(self, method: str, path: str, body: bytes | None = None) -> Any:
        self.connection.request(method, path, body=body, headers=self.headers)
        response = self.connection.getresponse()
        payload = response.read()
        if response.status != 200:
            sys.exit(f"{method} {path}: HTTP {response.status}")
        return orjson.loads(payload)


def write_page(rows: list[list[Any]], project_id: int, sink: Any) -> None:
    """One page of rows as RECORD lines, in the connector's field order, into a buffered sink."""
    suffix = b',"emitted_at":%d}}\n' % int(time.time() * 1000)
    loads, dumps, write = orjson.loads, orjson.dumps, sink.write
    for uuid, event, distinct_id, ts, properties, chain in rows:
        record = {
            "id": uuid, "distinct_id": distinct_id, "properties": loads(properties), "event": event,
            "timestamp": canonical(ts), "person": None, "elements": parse_elements(chain) if chain else [],
            "elements_chain": chain, "project_id": project_id,
        }  # fmt: skip
        write(PREFIX + dumps(record) + suffix)


def read_window(api: Api, project_id: int, window: tuple[str, str], page_size: int, sink: Any) -> None:
    """Every row of one project in [start, end), page by page, keyset on (timestamp, uuid)."""
    start, end = window
    values: dict[str, str] = {"start": start, "end": end}
    while True:
        sql = SQL.replace("{after}", AFTER if "after_ts" in values else "") % page_size
        node = {"kind": "HogQLQuery", "query": sql, "values": values, "modifiers": {"convertToProjectTimezone": False}}
        body = orjson.dumps({"query": node, "refresh": "force_blocking", "name": "bare loop"})
        rows = api.call("POST", f"/api/projects/{project_id}/query/", body)["results"]
        write_page(rows, project_id, sink)
        if len(rows) < page_size:
            return
        values = {"start": start, "end": end, "after_ts": hogql(rows[-1][3]), "after_uuid": rows[-1][0]}


def main(config_path: str) -> None:
    config = orjson.loads(open(config_path, "rb").read())  # noqa: SIM115 (read once, at start)
    api = Api(config["base_url"], config["api_key"])
    page_size = int(config.get("events_page_size", 20000))
    projects, url = [], "/api/projects/"
    while url:
        page = api.call("GET", url)
        projects += [project["id"] for project in page["results"]]
        url = page.get("next") and urlsplit(page["next"])._replace(scheme="", netloc="").geturl()
    windows = slices(config)
    sink = os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=STDOUT_BUFFER_BYTES)
    for project_id in projects:
        for window in windows:
            read_window(api, project_id, window, page_size, sink)
    sink.flush()


if __name__ == "__main__":
    main(sys.argv[1])
