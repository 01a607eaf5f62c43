r"""Turn `/query/` event rows into records shaped like the legacy `/events/` list, cheaply, and write them.

    columns: ["uuid", "event", "distinct_id", "timestamp", "properties", "elements_chain"]
    row:     ["0190...", "$pageview", "u1", "2026-05-01T12:00:00.123000Z", "{\"a\":1}", "button.cta:text=\"Buy\""]

This is the per-row hot path of a sync: only `properties` is JSON-decoded, `elements_chain` is parsed only
when non-empty (and cached), and a UTC timestamp with a 6-digit fraction is rewritten by slicing; anything
else (project timezone, no fraction) is parsed. `person` is null: the query does not join persons
(expensive, and the existing connector never asked `/events/` for it either).

`elements` follows PostHog's `chain_to_element_dicts` (posthog/models/element/element.py): innermost
(clicked) element first, same regular expressions and field promotion; values keep their escaping, as
PostHog leaves them. `event` is always null: PostHog's serializer names that foreign key but never fills it.
"""

import re
from functools import lru_cache
from typing import Any

import orjson

from source_posthog.streams.context import Sink
from source_posthog.streams.query.keyset import Page
from source_posthog.streams.query.tables import EVENT_COLUMNS as COLUMNS
from source_posthog.streams.timestamps import format_timestamp, parse_timestamp

STREAM = "events"
UTC_Z_LENGTH = len("2026-05-01T12:00:00.123000Z")
UTC_OFFSET_LENGTH = len("2026-05-01T12:00:00.123000+00:00")


def write_events(page: Page, project_id: int, sink: Sink) -> int:
    """Write one record per row of the page, in row order, emptying the page as it goes; return how many."""
    loads, write, cells, rows = orjson.loads, sink.record, page.cells(*COLUMNS), page.rows
    count = len(rows)
    rows.reverse()  # popped from the end in page order: each row is freed as soon as it is written
    pop = rows.pop
    for _ in range(count):
        uuid, event, distinct_id, timestamp, properties, chain = cells(pop())
        if isinstance(properties, str):  # a JSON string on PostHog; some versions return an object
            properties = loads(properties) if properties else {}
        write(
            STREAM,
            {
                "id": uuid,
                "distinct_id": distinct_id,
                "properties": properties,
                "event": event,
                "timestamp": canonical_timestamp(timestamp),
                "person": None,
                "elements": parse_elements(chain) if chain else [],
                "elements_chain": chain,
                "project_id": project_id,
            },
        )
    return count


def canonical_timestamp(value: str) -> str:
    """Any PostHog datetime cell as `YYYY-MM-DDTHH:MM:SS.ffffff+00:00`."""
    if len(value) == UTC_Z_LENGTH and value[-1] == "Z" and value[19] == ".":
        return value[:-1] + "+00:00"
    if len(value) == UTC_OFFSET_LENGTH and value.endswith("+00:00") and value[19] == ".":
        return value
    return format_timestamp(parse_timestamp(value))


SPLIT_CHAIN = re.compile(r'(?:[^\s;"]|"(?:\\.|[^"])*")+')  # elements split on `;` outside quotes
CLASS_AND_ATTRIBUTES = re.compile(r"(.*?)($|:([a-zA-Z\-_0-9]*=.*))")  # classes may contain `:`
ATTRIBUTE = re.compile(r'(?P<key>.*?)="(?P<value>(?:[^"\\]|\\.)*)"')


def _int_or_none(value: str) -> int | None:
    try:
        return int(value)
    except ValueError:
        return None


PROMOTED = {"text": "text", "href": "href", "attr_id": "attr_id"}
PROMOTED_INT = {"nth-child": "nth_child", "nth-of-type": "nth_of_type"}


# A site has a bounded set of clickable elements, so chains repeat across events (PostHog caches this
# parse too). Records sharing a cached list are safe: each is serialised at once and never mutated.
@lru_cache(maxsize=8192)
def parse_elements(chain: str) -> list[dict[str, Any]]:
    """The elements of a chain, innermost (clicked) first, `order` counting from 0."""
    return [_parse_element(text, order) for order, text in enumerate(SPLIT_CHAIN.findall(chain))]


# Distinct chains share most of their elements (the same page around a different button), so cached
# chains hold shared element dicts: 8,000 cached chains cost ~6 MB instead of ~14 MB.
@lru_cache(maxsize=8192)
def _parse_element(text: str, order: int) -> dict[str, Any]:
    match = CLASS_AND_ATTRIBUTES.search(text)
    tag_part = match.group(1) if match else ""
    attributes_part = match.group(3) if match else None
    element: dict[str, Any] = {
        "event": None,
        "text": None,
        "tag_name": None,
        "attr_class": None,
        "href": None,
        "attr_id": None,
        "nth_child": None,
        "nth_of_type": None,
        "attributes": {},
        "order": order,
    }
    if tag_part:
        tag, dot, classes = tag_part.partition(".")
        element["tag_name"] = tag
        if dot:
            element["attr_class"] = [name for name in classes.split(".") if name]
    for found in ATTRIBUTE.finditer(attributes_part or ""):
        key, value = found.group("key"), found.group("value")
        if key in PROMOTED:
            element[PROMOTED[key]] = value
        elif key in PROMOTED_INT:
            element[PROMOTED_INT[key]] = _int_or_none(value)
        elif key:
            element["attributes"][key] = value
    return element
