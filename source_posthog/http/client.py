"""The one HTTP client: auth, timeouts, pacing and retries around one request.

What a response means is decided in `responses.py`, how long to wait between tries in `retry.py`, why a
connection failed in `network.py`. The key is only ever sent to the configured host: foreign `next` links and
redirects are refused before any request. Until the host has answered once, timeouts are short and tries few:
a wrong base_url then fails in seconds, while a real /query/ page later still gets minutes.
"""

import threading
from dataclasses import dataclass, replace
from functools import partial
from typing import Any
from urllib.parse import urljoin, urlsplit

import backoff
import orjson
import requests

from source_posthog import __version__
from source_posthog.errors import ApiError, ConfigError, TransientError, UnreachableError
from source_posthog.http.body_cut import Ceiling
from source_posthog.http.network import describe_network_error
from source_posthog.http.pacing import EndpointClass, Pacer
from source_posthog.http.responses import BROKEN_CONNECTION, Outcome, classify, read_response
from source_posthog.http.retry import RetryableError, RetryPolicy, give_up_message, wait_times
from source_posthog.http.stats import HttpStats
from source_posthog.http.throttle import Throttle

MAX_REDIRECTS = 5
QUERY_CONCURRENCY = 3  # PostHog runs at most 3 API queries per team at once (posthog-api §10)
UNREACHED_MAX_TRIES = 3  # a host that never answered is most likely a wrong base_url: fail in seconds


@dataclass(frozen=True)
class Timeouts:
    """Seconds to wait for a connection and for an answer. 3 tries x 7 s + backoff stays under 30 s."""

    connect: float = 5.0
    """PostHog completes a TCP (and TLS) handshake in well under a second; a host that drops SYNs must not
    cost minutes."""
    first_answer: float = 7.0
    """Read timeout until the host has answered once: the first requests are small lists, answered in
    milliseconds; a host that accepts connections and stays silent is the wrong host."""
    read: float = 180.0
    """Read timeout once the host has answered: a /query/ page may take PostHog tens of seconds."""


@dataclass(frozen=True)
class ClientSettings:
    """How an ApiClient sends: concurrency, retries, timeouts, and (for tests) its session; defaults for a sync."""

    query_concurrency: int = QUERY_CONCURRENCY
    max_tries: int | None = None
    """Overrides the policy's tries (check tries less than a read)."""
    policy: RetryPolicy | None = None
    timeouts: Timeouts | None = None
    session: requests.Session | None = None


DEFAULT = ClientSettings()


class ApiClient:
    """Sends requests to one PostHog host and returns parsed JSON bodies."""

    def __init__(
        self, base_url: str, api_key: str, pacer: Pacer, stats: HttpStats | None = None, how: ClientSettings = DEFAULT
    ) -> None:
        self._base = base_url
        self._scheme = urlsplit(base_url).scheme
        self._host = urlsplit(base_url).netloc
        self._throttle = Throttle(pacer, how.query_concurrency)
        self.stats = stats or HttpStats()
        self._session = how.session or requests.Session()
        self._session.headers.update(
            {"Authorization": f"Bearer {api_key}", "User-Agent": f"source-posthog/{__version__}"}
        )
        policy = how.policy or RetryPolicy()
        self.policy = replace(policy, max_tries=how.max_tries or policy.max_tries)
        self.timeouts = how.timeouts or Timeouts()
        self._body = threading.local()  # per thread: readers run side by side (events/parallel.py)
        self.ceiling = Ceiling()  # bodies past it are abandoned (body_cut.py); none unless a reader sets one
        self.answered = False  # has the host ever sent an HTTP response?
        self.unanswered_failures = 0

    def last_body_bytes(self) -> int:
        """The length of the last response body this thread read (0 before any): what a page weighed."""
        length: int = getattr(self._body, "length", 0)
        return length

    def url(self, path_or_url: str) -> str:
        """Absolute URL for an API path, or the URL itself after checking its host."""
        if path_or_url.startswith(("http://", "https://")):
            return self.check_host(path_or_url)
        return f"{self._base}/api/{path_or_url.lstrip('/')}"

    def check_host(self, url: str) -> str:
        """Refuse any URL whose host is not the configured one, before a request is made.

        A self-hosted PostHog behind a TLS proxy may build `http://` links to its own host; they are
        upgraded to the configured scheme so the key never travels in clear text.
        """
        parts = urlsplit(url)
        if parts.netloc != self._host:
            raise ConfigError(
                f"PostHog pointed to another host ({parts.netloc}) than the configured base_url ({self._host}); "
                "refusing to send the API key there. Set base_url to the host your PostHog account uses."
            )
        return parts._replace(scheme=self._scheme).geturl()

    def get_json(
        self, path_or_url: str, params: dict[str, Any] | None = None, endpoint_class: EndpointClass = EndpointClass.CRUD
    ) -> Any:
        """GET and return the parsed JSON body."""
        return self.send("GET", self.url(path_or_url), endpoint_class, params=params)

    def post_json(self, path: str, body: dict[str, Any], endpoint_class: EndpointClass = EndpointClass.QUERY) -> Any:
        """POST a JSON body and return the parsed JSON answer."""
        headers = {"Content-Type": "application/json"}
        return self.send("POST", self.url(path), endpoint_class, data=orjson.dumps(body), headers=headers)

    def send(self, method: str, url: str, endpoint_class: EndpointClass, **kwargs: Any) -> Any:
        """Send with retries; a request that keeps failing becomes a TransientError."""
        last: dict[str, Any] = {}
        retrying = backoff.on_exception(
            wait_times,
            RetryableError,
            max_tries=self.policy.max_tries,
            jitter=None,  # wait_times jitters itself, and must not jitter a Retry-After
            on_backoff=self._on_retry,
            giveup=self._never_answered,
            on_giveup=last.update,
            raise_on_giveup=True,
            policy=self.policy,
        )(self._attempt)
        try:
            return retrying(method, url, endpoint_class, **kwargs)
        except RetryableError as error:
            tries = last.get("tries", 0)
            if not self.answered:
                raise UnreachableError(
                    f"Cannot reach PostHog at {self._host} after {tries} attempts: {error.description}. {error.advice}"
                ) from None
            where = f"{self._host} kept failing for {method} {urlsplit(url).path}"
            raise TransientError(give_up_message(self.policy, where, error, tries)) from None

    def _attempt(self, method: str, url: str, endpoint_class: EndpointClass, **kwargs: Any) -> Any:
        for _ in range(MAX_REDIRECTS + 1):
            with self._throttle.slot(endpoint_class):
                response = self._request(method, url, endpoint_class, **kwargs)
            if classify(response.status_code) is not Outcome.REDIRECT:
                return read_response(response, partial(setattr, self._body, "length"), self.ceiling.get())
            location = response.headers.get("Location")
            if not location:
                raise ApiError(response.status_code, f"PostHog redirected {urlsplit(url).path} nowhere.")
            url = self.check_host(urljoin(url, location))
        raise ConfigError(f"PostHog redirected more than {MAX_REDIRECTS} times; check base_url.")

    def _request(self, method: str, url: str, endpoint_class: EndpointClass, **kwargs: Any) -> requests.Response:
        self.stats.paced(self._throttle.pacer.acquire(endpoint_class))
        self.stats.requests += 1
        timeout = self.timeout()
        try:
            response = self._session.request(
                method, url, timeout=timeout, allow_redirects=False, stream=True, **kwargs
            )  # the body is read by read_response, once (see read_body)
        except BROKEN_CONNECTION as error:
            self.unanswered_failures += not self.answered
            failure = describe_network_error(error, self._host, *timeout)
            raise RetryableError(failure.description, advice=failure.advice) from None
        self.answered = True
        return response

    def timeout(self) -> tuple[float, float]:
        """(connect, read) seconds for the next request: short until the host has answered once."""
        return (self.timeouts.connect, self.timeouts.read if self.answered else self.timeouts.first_answer)

    def tries_allowed(self) -> int:
        """How many attempts a request gets now: few while the host has never answered."""
        return self.policy.max_tries if self.answered else min(UNREACHED_MAX_TRIES, self.policy.max_tries)

    def _never_answered(self, _error: Exception) -> bool:
        """Stop early while the host has never answered; once it has, a broken connection is a blip."""
        return not self.answered and self.unanswered_failures >= UNREACHED_MAX_TRIES

    def _on_retry(self, details: Any) -> None:  # backoff's Details type does not declare `exception`
        """Tell the stats about the retry and, after a 429, make every request of that class wait as long."""
        error: RetryableError = details["exception"]
        method, url, endpoint_class = details["args"][:3]
        wait = details["wait"]
        if error.status == 429 and (change := self._throttle.refused(endpoint_class, wait, error.retry_after)):
            self.stats.on_warning(change)
        source = "Retry-After" if error.retry_after is not None else "backoff"
        self.stats.retried(
            f"Retrying {method} {urlsplit(url).path} after {error.description}: waiting {wait:.1f} s ({source}), "
            f"attempt {details['tries'] + 1} of {self.tries_allowed()}.",
            wait=wait,
            throttled=error.status == 429,
        )
