"""The one HTTP client: auth, timeouts, pacing, response classification and retries.

Every response is classified once (`classify`): success, retryable (429, 5xx, broken connection,
a body that is not complete JSON) or fatal (any other status). Retryable failures are retried by
`backoff` with exponential waits and jitter, except that a `Retry-After` header is obeyed exactly.
The key is only ever sent to the configured host: foreign `next` links and redirects are refused.
"""

import random
from collections.abc import Generator
from email.utils import parsedate_to_datetime
from enum import Enum
from time import time
from typing import Any
from urllib.parse import urljoin, urlsplit

import backoff
import orjson
import requests

from source_posthog import __version__
from source_posthog.config import Config
from source_posthog.errors import ApiError, ConfigError, TransientError
from source_posthog.protocol import Output
from source_posthog.ratelimit import EndpointClass, Pacer

TIMEOUT = (10.0, 180.0)  # connect, read (seconds); a /query/ page may take PostHog tens of seconds
MAX_TRIES = 10
MAX_EXPONENTIAL_WAIT = 120.0
MAX_RETRY_AFTER = 3600.0  # PostHog's hourly bucket can ask for up to an hour
MAX_REDIRECTS = 5
RETRYABLE_STATUSES = frozenset({429, 500, 502, 503, 504})
BROKEN_CONNECTION = (
    requests.ConnectionError,
    requests.Timeout,
    requests.exceptions.ChunkedEncodingError,  # connection reset or short body mid-response
    requests.exceptions.ContentDecodingError,
)
REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
FAILURE_TYPES = {400: "system_error", 401: "config_error", 403: "config_error", 404: "config_error"}
HINTS = {
    401: "Check api_key, and that base_url is your account's host (US keys fail on the EU host and vice versa).",
    403: "Give the key the missing scope or access to this project in PostHog → Settings → Personal API keys.",
    404: "Check project_ids and base_url.",
}


class Outcome(Enum):
    """What a response means for the caller."""

    SUCCESS = "success"
    RETRY = "retry"
    FATAL = "fatal"
    REDIRECT = "redirect"


class RetryableError(Exception):
    """A failure worth retrying; carries the server's Retry-After when it sent one."""

    def __init__(self, description: str, retry_after: float | None = None) -> None:
        super().__init__(description)
        self.description = description
        self.retry_after = retry_after


def classify(status: int) -> Outcome:
    """Map an HTTP status to what the client does next."""
    if 200 <= status < 300:
        return Outcome.SUCCESS
    if status in REDIRECT_STATUSES:
        return Outcome.REDIRECT
    if status in RETRYABLE_STATUSES:
        return Outcome.RETRY
    return Outcome.FATAL


def parse_retry_after(value: str | None) -> float | None:
    """Read Retry-After as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    if value.strip().isdigit():
        return float(value.strip())
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - time())
    except (TypeError, ValueError):
        return None


def wait_times(base: float = 1.0, factor: float = 2.0) -> Generator[float, Any, None]:
    """Backoff wait generator: Retry-After when given (plus up to 10% upward jitter), else equal-jitter expo.

    `backoff` sends each exception into the generator, which is how the header reaches it.
    """
    error = yield 0.0
    attempt = 0
    while True:
        retry_after = getattr(error, "retry_after", None)
        if retry_after is not None:
            wait = min(retry_after, MAX_RETRY_AFTER) * (1 + random.uniform(0, 0.1))  # noqa: S311
        else:
            step = min(base * factor**attempt, MAX_EXPONENTIAL_WAIT)
            wait = step / 2 + random.uniform(0, step / 2)  # noqa: S311
            attempt += 1
        error = yield wait


def error_detail(response: requests.Response) -> str:
    """The `detail` of PostHog's error envelope, else the start of the body."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:200]
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])
    return response.text[:200]


class ApiClient:
    """Sends requests to one PostHog host and returns parsed JSON bodies."""

    def __init__(
        self,
        config: Config,
        output: Output,
        pacer: Pacer,
        max_tries: int = MAX_TRIES,
        session: requests.Session | None = None,
    ) -> None:
        self._base = config.base_url
        self._host = config.host
        self._output = output
        self._pacer = pacer
        self._session = session or requests.Session()
        self._session.headers.update(
            {
                "Authorization": f"Bearer {config.api_key.get_secret_value()}",
                "User-Agent": f"source-posthog/{__version__}",
            }
        )
        self._max_tries = max_tries
        self.request_count = 0
        self.retry_count = 0
        self.throttled_count = 0

    def url(self, path_or_url: str) -> str:
        """Absolute URL for an API path, or the URL itself after checking its host."""
        if path_or_url.startswith(("http://", "https://")):
            self.check_host(path_or_url)
            return path_or_url
        return f"{self._base}/api/{path_or_url.lstrip('/')}"

    def check_host(self, url: str) -> None:
        """Refuse any URL whose host is not the configured one, before a request is made."""
        host = urlsplit(url).netloc
        if host != self._host:
            raise ConfigError(
                f"PostHog pointed to another host ({host}) than the configured base_url ({self._host}); "
                "refusing to send the API key there. Set base_url to the host your PostHog account uses."
            )

    def get_json(
        self, path_or_url: str, params: dict[str, Any] | None = None, endpoint_class: EndpointClass = EndpointClass.CRUD
    ) -> Any:
        """GET and return the parsed JSON body."""
        return self.send("GET", self.url(path_or_url), endpoint_class, params=params)

    def post_json(self, path: str, body: dict[str, Any], endpoint_class: EndpointClass = EndpointClass.QUERY) -> Any:
        """POST a JSON body and return the parsed JSON answer."""
        return self.send(
            "POST",
            self.url(path),
            endpoint_class,
            data=orjson.dumps(body),
            headers={"Content-Type": "application/json"},
        )

    def send(self, method: str, url: str, endpoint_class: EndpointClass, **kwargs: Any) -> Any:
        """Send with retries; exhausted retries become a TransientError."""
        retrying = backoff.on_exception(
            wait_times,
            RetryableError,
            max_tries=self._max_tries,
            jitter=None,
            giveup=lambda error: (getattr(error, "retry_after", None) or 0) > MAX_RETRY_AFTER,
            on_backoff=self._log_retry,
            raise_on_giveup=True,
        )(self._attempt)
        try:
            return retrying(method, url, endpoint_class, **kwargs)
        except RetryableError as error:
            raise TransientError(
                f"PostHog at {self._host} kept failing for {method} {urlsplit(url).path}: {error.description}, "
                f"{self._max_tries} attempts. Run again later; check base_url if it persists."
            ) from None

    def _attempt(self, method: str, url: str, endpoint_class: EndpointClass, **kwargs: Any) -> Any:
        for _ in range(MAX_REDIRECTS + 1):
            response = self._request(method, url, endpoint_class, **kwargs)
            outcome = classify(response.status_code)
            if outcome is not Outcome.REDIRECT:
                return self._handle(response, outcome)
            url = urljoin(url, response.headers.get("Location", ""))
            self.check_host(url)
        raise ConfigError(f"PostHog redirected more than {MAX_REDIRECTS} times; check base_url.")

    def _request(self, method: str, url: str, endpoint_class: EndpointClass, **kwargs: Any) -> requests.Response:
        self._pacer.acquire(endpoint_class)
        self.request_count += 1
        try:
            return self._session.request(method, url, timeout=TIMEOUT, allow_redirects=False, **kwargs)
        except BROKEN_CONNECTION as error:
            raise RetryableError(f"connection failed ({type(error).__name__})") from None

    def _handle(self, response: requests.Response, outcome: Outcome) -> Any:
        status = response.status_code
        if outcome is Outcome.RETRY:
            if status == 429:
                self.throttled_count += 1
            raise RetryableError(f"HTTP {status}", parse_retry_after(response.headers.get("Retry-After")))
        if outcome is Outcome.FATAL:
            detail = error_detail(response)
            path = urlsplit(response.url).path
            hint = HINTS.get(status, "")
            raise ApiError(
                status,
                f"PostHog answered {status} for {path}: {detail} {hint}".strip(),
                FAILURE_TYPES.get(status, "system_error"),
            )
        try:
            return orjson.loads(response.content)
        except (orjson.JSONDecodeError, requests.RequestException):
            raise RetryableError(f"incomplete or invalid JSON body (HTTP {status})") from None

    def _log_retry(self, details: Any) -> None:
        self.retry_count += 1
        error = details["exception"]
        self._output.log(
            "WARN",
            f"Retrying {details['args'][0]} {urlsplit(details['args'][1]).path} after {error.description}: "
            f"waiting {details['wait']:.1f} s (attempt {details['tries'] + 1} of {self._max_tries}).",
        )
