"""What a PostHog response means: success, retryable or fatal — classified once, bodies read once.

Retryable: 429, 500, 502, 503, 504, a broken connection, a body that is not complete JSON. Fatal:
any other status, turned into an error that says what to fix. Redirects are followed by the client
after it has checked their host.
"""

from collections.abc import Callable
from enum import Enum
from typing import Any

import orjson
import requests

from source_posthog.http.body_cut import BodyCutError, row_sizes
from source_posthog.http.failures import api_error, query_limit_error
from source_posthog.http.retry import RetryableError, parse_retry_after

BODY_CHUNK_BYTES = 1 << 20  # bodies are read in 1 MB chunks into one buffer (see read_body)
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
BROKEN_CONNECTION = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # connection reset or short body mid-response
    requests.exceptions.ContentDecodingError,
)


class Outcome(Enum):
    """What a response means for the caller."""

    SUCCESS = "success"
    RETRY = "retry"
    FATAL = "fatal"
    REDIRECT = "redirect"


def classify(status: int) -> Outcome:
    """Map an HTTP status to what the client does next."""
    if 200 <= status < 300:
        return Outcome.SUCCESS
    if status in REDIRECT_STATUSES:
        return Outcome.REDIRECT
    if status in RETRYABLE_STATUSES:
        return Outcome.RETRY
    return Outcome.FATAL


def read_body(response: requests.Response, ceiling: int | None = None) -> bytes | bytearray:
    """The whole body of a streamed response, held once; BodyCutError once it outgrows `ceiling` bytes.

    `response.content` joins the chunks it read, so both copies live at the join: twice a page
    (8 MB each at 20,000 events). A declared, uncompressed length is read into one buffer instead.
    Under a ceiling the body is read chunk by chunk whatever its encoding, and abandoned past the ceiling
    (body_cut.py): the caller asks for fewer rows.
    """
    length = response.headers.get("Content-Length", "")
    plain = length.isdigit() and response.headers.get("Content-Encoding", "identity") == "identity"
    if ceiling is None and not plain:
        return response.content
    size = int(length) if plain else 0
    body, filled = bytearray(size if ceiling is None else min(size, ceiling + BODY_CHUNK_BYTES)), 0
    for chunk in response.iter_content(BODY_CHUNK_BYTES):
        body[filled : filled + len(chunk)] = chunk  # a longer body than declared just grows the buffer
        filled += len(chunk)
        if ceiling is not None and filled > ceiling:
            del body[filled:]
            sizes, complete = row_sizes(body)
            del body  # not held by the exception's frame while the page is asked again
            raise BodyCutError(filled, sizes, complete)
    if filled < size:
        raise requests.exceptions.ChunkedEncodingError("the body ended before its Content-Length")
    del body[filled:]
    return body


def read_response(
    response: requests.Response, sized: Callable[[int], None] | None = None, ceiling: int | None = None
) -> Any:
    """The parsed body of a successful response; raise RetryableError, or ApiError (see failures.py).

    `sized` is told the body's length (page budgets weigh rows by it, streams/query/budget.py). The body
    itself is dropped as soon as it is parsed: only the parsed answer leaves this function. A body longer
    than `ceiling` is abandoned unparsed (BodyCutError, body_cut.py).
    """
    status = response.status_code
    outcome = classify(status)
    try:
        if too_big := query_limit_error(response):
            raise too_big  # retrying the same query gets the same answer: the caller narrows it
        if outcome is Outcome.RETRY:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            raise RetryableError(f"HTTP {status}", retry_after, status)
        if outcome is not Outcome.SUCCESS:
            raise api_error(response)
        body = read_body(response, ceiling)
    except BROKEN_CONNECTION as error:  # bodies are streamed: the connection can break while reading one
        raise RetryableError(
            f"connection broke while reading the body ({type(error).__name__})", None, status
        ) from None
    finally:
        response.close()  # frees the connection of a body left unread (429, 5xx); a no-op after a full read
    if sized is not None:
        sized(len(body))
    return parse_body(body, status)


def parse_body(body: bytes | bytearray, status: int) -> Any:
    """The JSON body parsed; a body cut short or an HTML page from a proxy is worth another attempt."""
    try:
        return orjson.loads(body)
    except orjson.JSONDecodeError:
        raise RetryableError(f"incomplete or invalid JSON body (HTTP {status})", None, status) from None
