"""Follow PostHog's `next` links exactly as returned, and step past them where they loop.

    {"count": 231, "next": "https://us.posthog.com/api/projects/42/cohorts/?limit=100&offset=100",
     "previous": null, "results": [...]}

A short page is not the end (persons drop unloadable rows yet offer `next`); `next: null` is.
PostHog has shipped a `next` equal to an already fetched URL (posthog#13508). Following it would loop forever
and stopping would lose the rest of the list, so the next page is then asked for with our own offset (the
same request, `offset` moved on); the listener hears it once. Only if that page was fetched already, or the
list answers the same page again at the new offset, is it an error. A `next` on another host is refused by
the client before any request.

A `sizer` (streams/rest/sizing.py) sets each page's `limit` from the bytes rows weighed so far (issue 23): the
URL to fetch, ours or the server's `next`, gets its `limit` replaced (and lowered again if the body outgrew the
page's share of the budget). Offsets stay absolute, so pages of changing
sizes neither skip nor repeat; fetched URLs are remembered without their `limit`, so a `next` that repeats an
offset is still seen as a loop.
"""

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urljoin, urlsplit, urlunsplit

import orjson

from source_posthog.errors import InternalError
from source_posthog.http.body_cut import BodyCutError
from source_posthog.http.client import ApiClient
from source_posthog.http.pacing import EndpointClass


class PageSizer(Protocol):
    """Chooses each page's `limit` and is told what each page weighed."""

    def fetch(self, get: Callable[[int], Any]) -> tuple[Any, int]:
        """One page as `get(limit)` answers it, and the `limit` asked (fewer rows if the body outgrew its share)."""

    def weighed(self, results: list[Any]) -> None:
        """The page just fetched (its body's length is the client's `last_body_bytes`)."""

    def failed(self) -> None:
        """The page asked for was not read (an error)."""


@dataclass
class Links:
    """The URLs of one list fetched so far, and what is known about its looping `next`."""

    path: str
    seen: set[str] = field(default_factory=set)  # a few hundred bytes per page, even for millions of persons
    looped: bool = False
    """The server's `next` has repeated a fetched URL (told once)."""
    looped_page: bytes | None = None
    """The results of the last page whose `next` looped: the same again at our offset means offsets are ignored."""


def iter_pages(
    client: ApiClient,
    path: str,
    params: dict[str, Any],
    endpoint_class: EndpointClass,
    sizer: PageSizer | None = None,
) -> Iterator[list[dict[str, Any]]]:
    """Yield the `results` of every page, following `next` until it is null; only the results outlive a page."""
    url: str | None = client.url(path) + ("?" + urlencode(params) if params else "")
    links = Links(path)
    while url is not None:
        links.seen.add(without_limit(url))
        page, url = fetch_sized(client, url, endpoint_class, sizer, path)
        following = next_url(client, url, page, links)  # before the caller may change the records
        results: list[dict[str, Any]] = page["results"]
        del page  # the envelope: nothing but the results is kept while they are written
        yield results
        url = following


def fetch_sized(
    client: ApiClient, url: str, endpoint_class: EndpointClass, sizer: PageSizer | None, path: str
) -> tuple[dict[str, Any], str]:
    """One page's parsed answer, its `limit` set by the sizer, and the URL it was fetched with."""
    if sizer is None:
        return fetch_page(client, url, endpoint_class, None, path), url
    asked: list[str] = []

    def get(limit: int) -> dict[str, Any]:
        asked.append(with_param(url, "limit", str(limit)))
        return fetch_page(client, asked[-1], endpoint_class, sizer, path)

    page, _limit = sizer.fetch(get)
    answer: dict[str, Any] = page
    return answer, asked[-1]


def fetch_page(
    client: ApiClient, url: str, endpoint_class: EndpointClass, sizer: PageSizer | None, path: str
) -> dict[str, Any]:
    """One page's parsed answer, checked for its shape and weighed for the sizer."""
    try:
        page = client.get_json(url, endpoint_class=endpoint_class)
    except BodyCutError:
        raise  # the sizer asks again with fewer rows
    except BaseException:
        if sizer is not None:
            sizer.failed()
        raise
    shaped = isinstance(page, dict) and isinstance(page.get("results"), list)
    if sizer is not None and shaped:
        sizer.weighed(page["results"])
    elif sizer is not None:
        sizer.failed()
    if not shaped:
        raise InternalError(f"Unexpected response shape from {path}: expected an object with results.")
    answer: dict[str, Any] = page
    return answer


def next_url(client: ApiClient, url: str, page: dict[str, Any], links: Links) -> str | None:
    """The URL of the page after `url`: the server's `next`, or our own offset where that repeats a fetched URL."""
    link = page.get("next")
    if not link:
        return None
    # Relative links resolve against the page they came from; the host check happens before any request.
    candidate = client.check_host(urljoin(url, link))
    if without_limit(candidate) not in links.seen:
        return candidate
    results = orjson.dumps(page["results"])
    own = offset_url(url, len(page["results"]))
    if own is None or without_limit(own) in links.seen or results == links.looped_page:
        raise InternalError(
            f"PostHog returned a next link that repeats an already fetched page of {links.path} ({candidate}), "
            "and stepping past it with our own offset repeats too; stopping instead of reading the same pages "
            "forever. Retry later or report it to PostHog."
        )
    if not links.looped:
        links.looped = True
        client.stats.on_warning(
            f"PostHog's next link for {links.path} repeats a page already read ({candidate}; posthog#13508): "
            "reading on with offsets computed from our own requests."
        )
    links.looped_page = results
    return own


def offset_url(url: str, page_length: int) -> str | None:
    """`url` with `offset` moved past this page, other parameters as they were; None if the step is unknown.

    The step is the request's `limit`, but no more than the page held: a server that sent fewer rows than asked
    (a lower cap) must not make us skip rows; a page short for other reasons (persons dropping unloadable rows)
    is re-read in part instead, and the readers' deduplication absorbs that.
    """
    parts = urlsplit(url)
    query = parse_qsl(parts.query, keep_blank_values=True)
    values = dict(query)
    limit = int(values["limit"]) if values.get("limit", "").isdigit() else None
    step = min(limit, page_length) if limit and page_length else (limit or page_length)
    if not step:
        return None
    offset = int(values["offset"]) + step if values.get("offset", "").isdigit() else step
    return with_param(url, "offset", str(offset))


def with_param(url: str, name: str, value: str | None) -> str:
    """`url` with its parameter `name` set to `value` (last), or removed (None); the others as they were."""
    parts = urlsplit(url)
    given = parse_qsl(parts.query, keep_blank_values=True)
    if [old for key, old in given if key == name] == ([value] if value is not None else []):
        return url  # already so: a server's link stays exactly as it came
    query = [(key, old) for key, old in given if key != name]
    return urlunsplit(parts._replace(query=urlencode(query + ([(name, value)] if value is not None else []))))


def without_limit(url: str) -> str:
    """A fetched page's identity: its URL but for `limit`, which the sizer may change from page to page."""
    return with_param(url, "limit", None)


def whole_list(client: ApiClient, path: str, params: dict[str, Any], endpoint_class: EndpointClass) -> list[Any]:
    """An unpaginated list endpoint's answer: one plain JSON list (groups_types/); no `limit` can size it."""
    answer = client.get_json(
        client.url(path) + ("?" + urlencode(params) if params else ""), endpoint_class=endpoint_class
    )
    if not isinstance(answer, list):
        raise InternalError(f"Unexpected response shape from {path}: expected a list.")
    return answer
