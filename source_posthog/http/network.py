"""Why a request got no HTTP answer (name not found, refused, timed out connecting, no answer, TLS), in words.

requests reports all of these as `ConnectionError` or `Timeout`; the cause sits in the exception chain (urllib3's
NameResolutionError over a `socket.gaierror`, the socket's ConnectionRefusedError, an SSLError), so it is read
from there, once. The advice matters while the host has never answered: a wrong base_url is the likeliest reason.
"""

import socket
from collections.abc import Iterator
from dataclasses import dataclass
from enum import Enum
from urllib.parse import urlsplit

import requests


class NetworkCause(Enum):
    """Why no HTTP answer came back."""

    NAME_NOT_FOUND = "name not found"
    REFUSED = "refused"
    CONNECT_TIMEOUT = "timed out connecting"
    NO_ANSWER = "no answer"
    TLS = "TLS"
    BROKEN = "broken connection"


# cause -> (what happened, what to do); {host} is host:port, {name} the host name, {connect}/{read} the timeouts.
MESSAGES: dict[NetworkCause, tuple[str, str]] = {
    NetworkCause.NAME_NOT_FOUND: (
        "the host name {name} was not found (DNS)",
        "Check the spelling of the host in base_url, e.g. https://us.posthog.com or https://eu.posthog.com.",
    ),
    NetworkCause.REFUSED: (
        "connection refused by {host}",
        "Nothing accepts connections there: check the port and the scheme in base_url (https:// means port 443).",
    ),
    NetworkCause.CONNECT_TIMEOUT: (
        "timed out connecting to {host} (no reply within {connect:g} s)",
        "The host, or a firewall on the way, drops connection attempts: check the host and port in base_url and "
        "any proxy or firewall between this machine and PostHog.",
    ),
    NetworkCause.NO_ANSWER: (
        "{host} accepted the connection but sent no answer within {read:g} s",
        "Check that base_url points at PostHog (https://us.posthog.com, https://eu.posthog.com or your own "
        "instance), not at another service on that port.",
    ),
    NetworkCause.TLS: (
        "the TLS handshake with {host} failed ({tls})",
        "If the instance serves plain HTTP, write http:// in base_url; otherwise check its certificate (behind a "
        "TLS-intercepting proxy, point REQUESTS_CA_BUNDLE at the proxy's CA).",
    ),
    NetworkCause.BROKEN: (
        "the connection to {host} broke ({error})",
        "Check base_url and that this machine can reach it.",
    ),
}


@dataclass(frozen=True)
class NetworkFailure:
    """What went wrong on the way to the host, and what the user can do about it."""

    cause: NetworkCause
    description: str
    """Short, for retry lines: "connection refused by 127.0.0.1:9"."""
    advice: str
    """One sentence naming the fix, for the final message."""


def describe_network_error(error: BaseException, host: str, connect: float, read: float) -> NetworkFailure:
    """Name the cause of a request that got no HTTP answer from `host` (host:port), and the fix."""
    cause = classify_network_error(error)
    what, advice = MESSAGES[cause]
    name = urlsplit(f"//{host}").hostname or host
    fields = {"host": host, "name": name, "connect": connect, "read": read, "error": type(error).__name__}
    return NetworkFailure(cause, what.format(**fields, tls=tls_reason(error)), advice)


def classify_network_error(error: BaseException) -> NetworkCause:
    """The cause, from the exception's type or the exceptions behind it.

    Order matters: ConnectTimeout is also a ConnectionError, and SSLError one too.
    """
    if isinstance(error, requests.exceptions.SSLError):
        return NetworkCause.TLS
    if isinstance(error, requests.exceptions.ConnectTimeout):
        return NetworkCause.CONNECT_TIMEOUT
    if isinstance(error, requests.exceptions.ReadTimeout):
        return NetworkCause.NO_ANSWER
    causes = list(iter_causes(error))
    if any(isinstance(cause, socket.gaierror) for cause in causes):
        return NetworkCause.NAME_NOT_FOUND
    if any(isinstance(cause, ConnectionRefusedError) for cause in causes):
        return NetworkCause.REFUSED
    return NetworkCause.BROKEN


def iter_causes(error: BaseException) -> Iterator[BaseException]:
    """The error and every exception behind it: `__cause__`, `__context__`, urllib3's `reason` and `args`."""
    pending, seen = [error], set()
    while pending:
        current = pending.pop()
        if id(current) in seen:
            continue
        seen.add(id(current))
        yield current
        linked = [current.__cause__, current.__context__, getattr(current, "reason", None), *current.args]
        pending.extend(item for item in linked if isinstance(item, BaseException))


def tls_reason(error: BaseException) -> str:
    """OpenSSL's reason for a TLS failure (WRONG_VERSION_NUMBER, CERTIFICATE_VERIFY_FAILED...)."""
    for cause in iter_causes(error):
        reason = getattr(cause, "reason", None)
        if isinstance(reason, str) and reason:
            return reason
    return type(error).__name__
