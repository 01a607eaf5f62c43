"""HogQL's `sessions` table: one row per session, aggregated from the project's events at query time.

The default table is sessions v2 (`sessionTableVersion` AUTO resolves to SessionsTableV2 in
posthog/hogql/database/database.py, §10); its columns are LAZY_SESSIONS_FIELDS of
posthog/hogql/database/schema/sessions_v2.py @ 45b41e82, of which COLUMNS serves a subset. It has no
`person_id` (nor has v3): a session's person is reached through its `distinct_id`. Every stored event
counts, whatever its ingestion time (`created_at`): a late event extends the session it falls in, or
makes a new one. A session is one distinct id's events in time
order, cut after 30 idle minutes (posthog-js's idle timeout) or once it has lasted 24 hours. Its id is a
UUIDv7 whose time part is its first event's millisecond, so id order follows start order, as on PostHog.
Acquisition fields (referring domain, UTM tags, click ids) come from a hash of the session id: generated
events carry none. Sessions are cached per store and recomputed when the store grows.
"""

from __future__ import annotations

import bisect
import hashlib
import threading
import weakref
import zlib
from collections.abc import Iterator
from typing import Any, NamedTuple

from posthog_emulator.data import eventprops, ids
from posthog_emulator.data.eventstore import EventStore
from posthog_emulator.state.runtime import Runtime

Row = dict[str, Any]
IDLE_US = 30 * 60 * 1_000_000  # a gap longer than this starts a new session
MAX_US = 24 * 3600 * 1_000_000  # and so does an event more than this after the session's start
BOUNCE_S = 10
ORDER = ("$start_timestamp", "session_id")  # the order `Sessions.items` keeps; keyset pages bisect on it
URL_FIELDS = ("$entry_current_url", "$entry_pathname", "$end_current_url", "$end_pathname")
UTM_FIELDS = tuple(f"$entry_{k}" for k in ("utm_source", "utm_campaign", "utm_medium", "utm_term", "utm_content"))
CLICK_FIELDS = ("$entry_gclid", "$entry_fbclid")
COUNT_FIELDS = ("$pageview_count", "$autocapture_count", "$screen_count", "$num_uniq_urls")
COLUMNS: dict[str, str] = {
    "session_id": "str",
    "distinct_id": "str",
    "$start_timestamp": "datetime",
    "$end_timestamp": "datetime",
    **dict.fromkeys((*URL_FIELDS, "$entry_referring_domain", *UTM_FIELDS, *CLICK_FIELDS, "$channel_type"), "str"),
    "$session_duration": "int",
    "$is_bounce": "nullable_bool",
    **dict.fromkeys(COUNT_FIELDS, "int"),
}
ACQUISITION_FIELDS = ("$entry_referring_domain", *UTM_FIELDS, *CLICK_FIELDS)
CLICK_PREFIXES = {"$entry_gclid": "Cj0KCQ", "$entry_fbclid": "IwAR"}  # how Google's and Facebook's ids start
# (weight, channel type, ACQUISITION_FIELDS values); "*" is a click id made from the session id.
SOURCES: tuple[tuple[int, str, tuple[str, ...]], ...] = (
    (8, "Direct", ("$direct", "", "", "", "", "", "", "")),
    (4, "Organic Search", ("www.google.com", "", "", "", "", "", "", "")),
    (3, "Paid Search", ("www.google.com", "google", "brand_search", "cpc", "analytics", "ad_b", "*", "")),
    (2, "Referral", ("news.ycombinator.com", "", "", "", "", "", "", "")),
    (2, "Email", ("$direct", "newsletter", "weekly_digest", "email", "", "", "", "")),
    (1, "Organic Social", ("t.co", "twitter", "", "", "", "", "", "")),
    (1, "Paid Social", ("l.facebook.com", "facebook", "retargeting", "paid_social", "", "", "", "*")),
)
_PICKS = [(channel, values) for weight, channel, values in SOURCES for _ in range(weight)]


class Session(NamedTuple):
    """What the events give one session; row() adds the derived columns."""

    start: int
    session_id: str
    end: int
    distinct_id: str
    urls: tuple[str, str, str, str]  # entry url, entry pathname, end url, end pathname
    counts: tuple[int, int, int, int]  # pageviews, autocaptures, screens, unique urls


class Sessions(NamedTuple):
    """A project's sessions in ORDER, with their start times alone for bisects."""

    size: int  # len(store) they were computed from
    items: list[Session]
    starts: list[int]


_cache: weakref.WeakKeyDictionary[EventStore, Sessions] = weakref.WeakKeyDictionary()
_cache_lock = threading.Lock()


def sessions_of(store: EventStore) -> Sessions:
    """The store's sessions, recomputed only when events were added since the last call (pages repeat)."""
    with store.lock:
        with _cache_lock:
            cached = _cache.get(store)
        if cached is not None and cached.size == len(store):
            return cached
        items = sorted(_summary(store, rows) for rows in _cut(store))
        computed = Sessions(len(store), items, [s.start for s in items])
    with _cache_lock:
        _cache[store] = computed
    return computed


def _cut(store: EventStore) -> Iterator[list[int]]:
    """Row indexes of each session: a distinct id's events in (timestamp, uuid) order, cut at idle or length."""
    ts, did = store.ts, store.did
    current: list[int] = []
    for i in sorted(range(len(ts)), key=did.__getitem__):  # stable: storage order within each distinct id
        if current and (
            did[i] != did[current[0]] or ts[i] - ts[current[-1]] > IDLE_US or ts[i] - ts[current[0]] > MAX_US
        ):
            yield current
            current = []
        current.append(i)
    if current:
        yield current


def _summary(store: EventStore, rows: list[int]) -> Session:
    """Times, entry/end page and counts of one session's rows (page from the payload seed, no JSON parsing)."""
    names = [store.names[store.name[i]] for i in rows]
    pages = [p for p in (_page(store, i) for i in rows) if p[0]]
    first, last = (pages[0], pages[-1]) if pages else (("", ""), ("", ""))
    counts = (names.count("$pageview"), names.count("$autocapture"), names.count("$screen"), len({p[0] for p in pages}))
    start = store.ts[rows[0]]
    return Session(
        start, _session_id(store, rows[0]), store.ts[rows[-1]], store.distinct_id(rows[0]), (*first, *last), counts
    )


def _page(store: EventStore, i: int) -> tuple[str, str]:
    """(`$current_url`, `$pathname`) of row i; '' when the event has none."""
    seed = store.seed[i]
    if seed >= 0:
        path = eventprops.pathname_of(seed)
        return eventprops.SITE + path, path
    props = store.custom[~seed].properties
    return str(props.get("$current_url") or ""), str(props.get("$pathname") or "")


def _session_id(store: EventStore, first: int) -> str:
    """UUIDv7 text: the first event's millisecond, random bits from a hash of that event's id (deterministic)."""
    digest = int.from_bytes(hashlib.blake2b(store.uuid(first).encode(), digest_size=10).digest(), "big")
    hi = ((store.ts[first] // 1000) << 16) | 0x7000 | (digest & 0xFFF)
    lo = (0b10 << 62) | (digest >> 12 & ((1 << 62) - 1))
    return ids.uuid_text((hi << 64) | lo)


def window(rt: Runtime, pid: int, lo_us: int | None, hi_us: int | None) -> Iterator[Row]:
    """Rows whose `$start_timestamp` lies in [lo_us, hi_us] (None = open), in ORDER."""
    found = sessions_of(rt.dataset.events[pid])
    start = 0 if lo_us is None else bisect.bisect_left(found.starts, lo_us)
    stop = len(found.starts) if hi_us is None else bisect.bisect_right(found.starts, hi_us)
    for session in found.items[start:stop]:
        yield row(session)


def all_rows(rt: Runtime, pid: int) -> list[Row]:
    """Every session row (queries in another order filter and sort these)."""
    return list(window(rt, pid, None, None))


def row(session: Session) -> Row:
    """The table row: stored fields, duration, bounce (NULL without pageviews/screens), acquisition."""
    duration = (session.end - session.start) // 1_000_000
    pageviews, autocaptures, screens, _uniq = session.counts
    seen = pageviews + screens
    bounce = None if seen == 0 else not (seen > 1 or autocaptures > 0 or duration >= BOUNCE_S)
    return {
        "session_id": session.session_id,
        "distinct_id": session.distinct_id,
        "$start_timestamp": session.start,
        "$end_timestamp": session.end,
        **dict(zip(URL_FIELDS, session.urls, strict=True)),
        **acquisition(session.session_id),
        "$session_duration": duration,
        "$is_bounce": bounce,
        **dict(zip(COUNT_FIELDS, session.counts, strict=True)),
    }


def acquisition(session_id: str) -> dict[str, str]:
    """Referring domain, UTM tags, click ids and channel type, picked by a hash of the session id."""
    channel, values = _PICKS[zlib.crc32(session_id.encode()) % len(_PICKS)]
    click = session_id.replace("-", "")[12:]
    out = {k: (CLICK_PREFIXES[k] + click if v == "*" else v) for k, v in zip(ACQUISITION_FIELDS, values, strict=True)}
    return out | {"$channel_type": channel}


def session_ids(store: EventStore) -> list[str]:
    """Sorted ids of the store's sessions (the ground truth of a sessions sync)."""
    return sorted(s.session_id for s in sessions_of(store).items)
