"""Realistic payload weights (issue 23): kilobyte events, a share of fat LLM and exception events, fat persons.

The default payloads are a light ~300-byte property set. A real posthog-js `$pageview` carries some 50-100
properties (the `$initial_*` set, `$set`/`$set_once`, one `$feature/<flag>` per active flag,
`$active_feature_flags`) and weighs 2-4 KB; LLM analytics events (`$ai_generation`) carry prompts and
completions and `$exception` events stack traces of tens to hundreds of kilobytes. With `Weights` on, a
generated event's properties are built from cached pieces (a head per property mix, slices of one shared
blob), so a 1M-event dataset still costs no memory for its payloads and a 150 KB cell costs one copy.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import orjson

from posthog_emulator.config.weights import Weights

HEAVY_EVENTS = ("$ai_generation", "$exception")
FLAGS = tuple(f"{word}-{n}" for word in ("beta", "new-nav", "pricing", "onboarding", "ai") for n in range(12))
WORDS = ("token", "model", "stack", "frame", "reply", "prompt", "lorem", "ipsum", "query", "value", "trace")


@lru_cache(maxsize=1)
def _blob() -> str:
    """About 1 MB of JSON-safe pseudo text, sliced into the fat cells."""
    words = [f"{WORDS[(i * 7919) % len(WORDS)]}{i % 997}" for i in range(120_000)]
    return " ".join(words)[: 1 << 20]


@lru_cache(maxsize=256)
def _rich_head(variant: int) -> str:
    """The many properties of a realistic web event (2-4 KB by variant), open after `"$session_id":`."""
    flags = FLAGS[: 4 + variant * 3]
    props: dict[str, Any] = {f"$initial_{name}": f"value of {name} {variant}" for name in _INITIAL}
    props |= {f"$feature/{flag}": variant % 3 != 0 for flag in flags}
    props["$active_feature_flags"] = list(flags)
    props["$set"] = {name: f"{name}-{variant}" for name in _INITIAL[:12]}
    props["$set_once"] = {f"$initial_{name}": f"{name}-{variant}" for name in _INITIAL[:12]}
    props |= {"$lib": "web", "$lib_version": "1.200.3", "$browser": "Chrome", "$os": "Mac OS X", "$pathname": "/"}
    return orjson.dumps(props).decode()[:-1] + ',"$session_id":'


_INITIAL = (
    "referrer", "referring_domain", "current_url", "pathname", "host", "browser", "browser_version", "os",
    "os_version", "device_type", "utm_source", "utm_medium", "utm_campaign", "utm_content", "utm_term", "gclid",
    "fbclid", "screen_height", "screen_width", "viewport_height", "viewport_width", "geoip_city_name",
    "geoip_country_name", "geoip_country_code", "geoip_continent_name", "geoip_postal_code", "geoip_time_zone",
)  # fmt: skip


def rich_properties_json(mixed: int, session: str) -> str:
    """A 2-4 KB property set for an ordinary event."""
    return f'{_rich_head(mixed % 16)}"{session}"}}'


def heavy_properties_json(mixed: int, event: str, weights: Weights) -> str:
    """An LLM generation's prompt and completion, or an exception's stack, of `weights.heavy_kb` KB."""
    low, high = weights.heavy_kb
    size = (low + (mixed >> 3) % (high - low + 1)) * 1024
    start = (mixed >> 7) % 4096
    body = _blob()[start : start + size]
    if event == "$exception":
        return orjson.dumps({"$exception_type": "TypeError", "$exception_list": [{"stacktrace": body}]}).decode()
    half = len(body) // 2
    ai = {"$ai_model": "gpt-4o", "$ai_input": body[:half], "$ai_output_choices": body[half:], "$ai_trace_id": mixed}
    return orjson.dumps(ai).decode()


@lru_cache(maxsize=8)
def person_padding(kb: int, variant: int) -> str:
    """A shared string of about `kb` KB for a person's properties (one object, referenced by every person)."""
    start = variant * 1000
    return _blob()[start : start + kb * 1024]
