"""Follow PostHog's `next` links exactly as returned, and stop cleanly where they would mislead us.

    {"count": 231, "next": "https://us.posthog.com/api/projects/42/cohorts/?limit=100&offset=100",
     "previous": null, "results": [...]}

A short page is not the end (persons drop unloadable rows yet offer `next`); `next: null` is.
PostHog has shipped a `next` equal to the current URL (posthog#13508): that would loop forever,
so it is an error. A `next` on another host is refused by the client before any request.
"""

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlencode, urljoin

from source_posthog.errors import InternalError
from source_posthog.http.client import ApiClient
from source_posthog.http.pacing import EndpointClass


def iter_pages(
    client: ApiClient, path: str, params: dict[str, Any], endpoint_class: EndpointClass
) -> Iterator[list[dict[str, Any]]]:
    """Yield the `results` of every page, following `next` until it is null."""
    url = client.url(path) + ("?" + urlencode(params) if params else "")
    seen = {url}  # a few hundred bytes per page, even for millions of persons
    while True:
        page = client.get_json(url, endpoint_class=endpoint_class)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise InternalError(f"Unexpected response shape from {path}: expected an object with results.")
        yield page["results"]
        link = page.get("next")
        if not link:
            return
        # Relative links resolve against the page they came from; the host check happens before any request.
        next_url = client.check_host(urljoin(url, link))
        if next_url in seen:
            raise InternalError(
                f"PostHog returned a next link that repeats an already fetched page of {path} ({next_url}); "
                "stopping instead of reading the same pages forever. Retry later or report it to PostHog."
            )
        seen.add(next_url)
        url = next_url


def whole_list(client: ApiClient, path: str, params: dict[str, Any], endpoint_class: EndpointClass) -> list[Any]:
    """An unpaginated list endpoint's answer: one plain JSON list (groups_types/)."""
    answer = client.get_json(
        client.url(path) + ("?" + urlencode(params) if params else ""), endpoint_class=endpoint_class
    )
    if not isinstance(answer, list):
        raise InternalError(f"Unexpected response shape from {path}: expected a list.")
    return answer
