"""Turn `elements_chain` into the `elements` list the legacy `/events/` endpoint returns.

    button.cta:attr__class="cta"nth-child="1"text="Buy";div:nth-child="2"
    -> [{"event": None, "text": "Buy", "tag_name": "button", "attr_class": ["cta"], ..., "order": 0}, ...]

Same regular expressions and field promotion as PostHog's `chain_to_element_dicts`
(posthog/models/element/element.py); values keep their escaping, as PostHog leaves them.
`event` is always null: PostHog's serializer names that foreign key but never fills it for events.
"""

import re
from functools import lru_cache
from typing import Any

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
