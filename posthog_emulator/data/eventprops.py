"""Event payloads derived on demand from a per-event seed, so 1M events cost no memory for them.

Also parses `elements_chain` into the `elements` list the legacy events endpoint returns, with
the same regular expressions as PostHog's `chain_to_elements`.
"""

from __future__ import annotations

import re
from typing import Any

import orjson

from posthog_emulator.config.weights import Weights
from posthog_emulator.data.weights import HEAVY_EVENTS, heavy_properties_json, rich_properties_json

EVENT_NAMES = ("$pageview", "$autocapture", "$pageleave", "$identify", "signed_up", "purchase", "$screen")
EVENT_WEIGHTS = (50, 25, 12, 4, 3, 3, 3)
BROWSERS = ("Chrome", "Safari", "Firefox", "Edge", "Samsung Internet")
OSES = ("Mac OS X", "Windows", "iOS", "Android", "Linux")
SITE = "https://example.com"
PATHS = ("/", "/pricing", "/docs", "/docs/api", "/blog/launch-week", "/signup", "/checkout", "/settings")
CHAINS = (
    'button.btn-primary.cta:attr__class="btn-primary cta"nth-child="1"nth-of-type="1"text="Buy now";'
    'div.hero:attr__class="hero"nth-child="2"nth-of-type="1";body:nth-child="1"nth-of-type="1"',
    'a.nav-link:attr__class="nav-link"attr__href="/pricing"href="/pricing"nth-child="3"nth-of-type="3"'
    'text="Pricing";nav:nth-child="1"nth-of-type="1"',
    'button:attr__id="signup"attr_id="signup"nth-child="2"nth-of-type="1"text="Sign up"',
    'input.search:attr__class="search"attr__placeholder="Search \\"docs\\""nth-child="1"nth-of-type="1"',
)

LABELS = tuple(f"{word}-{n}" for word in ("home", "pricing", "docs", "blog", "signup") for n in range(40))

_SPLIT_CHAIN = re.compile(r'(?:[^\s;"]|"(?:\\.|[^"])*")+')
_CLASS_AND_ATTRS = re.compile(r"(.*?)($|:([a-zA-Z\-_0-9]*=.*))")
_ATTRS = re.compile(r'([a-zA-Z\-_0-9]*)="((?:\\.|[^"])*)"')


def mix(seed: int) -> int:
    """A cheap 32-bit hash so neighbouring seeds look unrelated."""
    h = (seed * 0x9E3779B1 + 0x7F4A7C15) & 0xFFFFFFFF
    h ^= h >> 15
    return (h * 0x2C1B3C6D) & 0xFFFFFFFF


def event_properties(seed: int, event: str) -> dict[str, Any]:
    """Realistic web-SDK properties; a few carry quoted strings that /events/ unquotes."""
    parsed: dict[str, Any] = orjson.loads(event_properties_json(seed, event))
    return parsed


def event_properties_json(seed: int, event: str) -> str:
    """The same properties as JSON text, assembled from cached pieces (the /query/ hot path)."""
    h = mix(seed)
    purchase = event == "purchase"
    key = (h % len(BROWSERS), (h >> 4) % len(OSES), (h >> 8) % len(PATHS), h % 4, h % 7 == 0, purchase)
    head = _HEADS.get(key)
    if head is None:
        head = _HEADS[key] = _head(*key)
    session = session_id(h)
    tail = f',"amount":{(h % 100_000) / 100}}}' if purchase else "}"
    return f'{head}"{session}"{tail}'


def session_id(h: int) -> str:
    """`$session_id` of a generated event from its mixed seed."""
    return f"0190{h:08x}-{h & 0xFFFF:04x}-7{(h >> 3) & 0xFFF:03x}-8{h >> 20:03x}-00000000{h & 0xFFFF:04x}"


def weighted_properties_json(seed: int, event: str, weights: Weights) -> str:
    """The properties of a generated event under `weights` (issue 23): light, realistic, or heavy."""
    h = mix(seed)
    if event in HEAVY_EVENTS:
        return heavy_properties_json(h, event, weights)
    if weights.realistic:
        return rich_properties_json(h, session_id(h))
    return event_properties_json(seed, event)


def pathname_of(seed: int) -> str:
    """`$pathname` of a generated event, as event_properties_json picks it; `$current_url` is SITE + it."""
    return PATHS[(mix(seed) >> 8) % len(PATHS)]


_HEADS: dict[tuple[int, int, int, int, bool, bool], str] = {}


def _head(browser: int, os_: int, path: int, width: int, plan: bool, _purchase: bool) -> str:
    """Every property but the session id (and amount), ending where `$session_id`'s value starts."""
    props: dict[str, Any] = {
        "$browser": BROWSERS[browser],
        "$os": OSES[os_],
        "$current_url": f"{SITE}{PATHS[path]}",
        "$pathname": PATHS[path],
        "$lib": "web",
        "$lib_version": "1.200.3",
        "$screen_width": 1280 + width * 160,
    }
    if plan:
        props["plan"] = '"pro"'  # literal quotes: the legacy endpoint strips them
    return orjson.dumps(props).decode()[:-1] + ',"$session_id":'


def elements_chain_for(seed: int, event: str) -> str:
    """Autocapture events get a realistic chain; everything else an empty string."""
    if event != "$autocapture":
        return ""
    variant = mix(seed + 7)
    base = CHAINS[variant % len(CHAINS)]
    # ~2,000 distinct chains, like the clickable elements of a real site: text and position vary.
    label, position = LABELS[(variant >> 8) % len(LABELS)], 1 + (variant >> 16) % 10
    return base.replace('nth-child="1"', f'nth-child="{position}"', 1) + f';section.{label}:nth-child="{position}"'


def parse_elements(chain: str) -> list[dict[str, Any]]:
    """`elements_chain` -> the `elements` list of the legacy events endpoint."""
    elements = []
    for order, text in enumerate(_SPLIT_CHAIN.findall(chain)):
        match = _CLASS_AND_ATTRS.search(text)
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
        if match is None:
            continue
        tag_and_class = match.group(1).split(".")
        element["tag_name"] = tag_and_class[0]
        if len(tag_and_class) > 1:
            element["attr_class"] = tag_and_class[1:]
        for key, raw in _ATTRS.findall(match.group(3) or ""):
            _set_attribute(element, key, raw.replace('\\"', '"'))
        elements.append(element)
    return elements


def _set_attribute(element: dict[str, Any], key: str, value: str) -> None:
    named = {"href": "href", "text": "text", "attr_id": "attr_id"}
    if key in named:
        element[named[key]] = value
    elif key in ("nth-child", "nth-of-type"):
        element[key.replace("-", "_")] = int(value)
    elif key:
        element["attributes"][key] = value
