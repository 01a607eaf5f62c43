"""network.py: every way a request can get no HTTP answer is named, with one piece of advice.

The exceptions are the ones requests really raises; the DNS case goes through urllib3 with a resolver that
fails (no lookup leaves the machine). Loopback sockets for the other cases are in integration_tests/test_unreachable.py.
"""

import socket
import ssl
from typing import Any, cast

import pytest
import requests
import requests_mock as rm
import urllib3

from source_posthog.errors import UnreachableError
from source_posthog.http.network import NetworkCause, classify_network_error, describe_network_error
from source_posthog.http.retry import RetryPolicy
from unit_tests.fakes import API, Harness, make_config

HOST = "posthog.example.test"


def wrapped(reason: BaseException, kind: type[requests.RequestException] = requests.ConnectionError) -> Exception:
    """What requests raises: its exception around urllib3's MaxRetryError around the cause."""
    return kind(urllib3.exceptions.MaxRetryError(None, "/api/projects/", reason))  # type: ignore[arg-type]


def refused() -> Exception:
    cause = urllib3.exceptions.NewConnectionError(None, "Failed to establish a new connection")  # type: ignore[arg-type]
    cause.__cause__ = ConnectionRefusedError(111, "Connection refused")
    return wrapped(cause)


def name_not_found() -> Exception:
    gaierror = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    cause = urllib3.exceptions.NameResolutionError(HOST, None, gaierror)  # type: ignore[arg-type]
    cause.__cause__ = gaierror  # urllib3 raises it `from` the resolver's error
    return wrapped(cause)


def tls() -> Exception:
    reason = ssl.SSLError(1, "[SSL: WRONG_VERSION_NUMBER] wrong version number")
    reason.reason = "WRONG_VERSION_NUMBER"
    return wrapped(urllib3.exceptions.SSLError(reason), requests.exceptions.SSLError)


CASES: list[tuple[Any, NetworkCause, str, str]] = [
    (name_not_found, NetworkCause.NAME_NOT_FOUND, "was not found (DNS)", "spelling of the host"),
    (refused, NetworkCause.REFUSED, "connection refused by", "port and the scheme"),
    (lambda: requests.exceptions.ConnectTimeout("x"), NetworkCause.CONNECT_TIMEOUT, "timed out connecting", "drops"),
    (lambda: requests.exceptions.ReadTimeout("x"), NetworkCause.NO_ANSWER, "sent no answer within 7 s", "points at"),
    (tls, NetworkCause.TLS, "TLS handshake", "http://"),
    (lambda: requests.ConnectionError("reset"), NetworkCause.BROKEN, "broke (ConnectionError)", "reach it"),
]


class TestDescribeNetworkError:
    @pytest.mark.parametrize(("make", "cause", "words", "advice"), CASES)
    def test_given_each_failure_when_described_then_cause_and_advice_named(
        self, make: Any, cause: NetworkCause, words: str, advice: str
    ) -> None:
        failure = describe_network_error(make(), f"{HOST}:443", 5.0, 7.0)

        assert failure.cause is cause
        assert words in failure.description
        assert advice in failure.advice

    def test_given_tls_failure_when_described_then_openssl_reason_shown(self) -> None:
        assert "WRONG_VERSION_NUMBER" in describe_network_error(tls(), HOST, 5.0, 7.0).description

    def test_given_connect_timeout_when_classified_then_not_mistaken_for_a_broken_connection(self) -> None:
        # ConnectTimeout is also a ConnectionError; NameResolutionError is also a NewConnectionError.
        assert classify_network_error(wrapped(TimeoutError(), requests.exceptions.ConnectTimeout)) is (
            NetworkCause.CONNECT_TIMEOUT
        )


class TestUnreachableHostMessages:
    @pytest.mark.parametrize(("make", "words", "advice"), [(make, words, advice) for make, _, words, advice in CASES])
    def test_given_host_never_answers_when_get_json_then_cause_and_advice_said_once(
        self, requests_mock: rm.Mocker, make: Any, words: str, advice: str
    ) -> None:
        harness = Harness(policy=RetryPolicy(max_tries=10, base_wait=0.0))
        requests_mock.get(f"{API}/projects/", exc=make())

        with pytest.raises(UnreachableError) as raised:
            harness.client.get_json("projects/")

        message = raised.value.message
        assert message.startswith("Cannot reach PostHog at us.posthog.com after 3 attempts: ")
        assert words in message
        assert message.count(advice) == 1
        assert message.lower().count("base_url") <= 1

    def test_given_unanswered_host_when_retried_then_lines_count_the_three_attempts(
        self, requests_mock: rm.Mocker
    ) -> None:
        harness = Harness(policy=RetryPolicy(max_tries=10, base_wait=0.0))
        requests_mock.get(f"{API}/projects/", exc=refused())

        with pytest.raises(UnreachableError):
            harness.client.get_json("projects/")

        lines = [m["log"]["message"] for m in harness.messages() if m["type"] == "LOG"]
        assert [line.rsplit(", ", 1)[1] for line in lines] == ["attempt 2 of 3.", "attempt 3 of 3."]
        assert all("connection refused by us.posthog.com" in line for line in lines)

    def test_given_name_that_does_not_resolve_when_requested_through_urllib3_then_named_dns(
        self, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        def no_such_name(*_args: object, **_kwargs: object) -> None:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

        monkeypatch.setattr(socket, "getaddrinfo", no_such_name)  # the lookup fails here, before any packet
        harness = Harness(make_config(base_url=f"https://{HOST}"), policy=RetryPolicy(max_tries=10, base_wait=0.0))

        with pytest.raises(UnreachableError, match=f"host name {HOST} was not found"):
            harness.client.get_json("projects/")


class TestTimeouts:
    def test_given_host_answered_when_next_request_then_long_read_timeout(self, requests_mock: rm.Mocker) -> None:
        harness = Harness()
        requests_mock.get(f"{API}/projects/", json={})

        harness.client.get_json("projects/")
        harness.client.get_json("projects/")

        # requests-mock's stub types `timeout` as int; it is whatever requests was given, here a tuple.
        first, second = (cast(object, request.timeout) for request in requests_mock.request_history)
        timeouts = harness.client.timeouts
        assert first == (timeouts.connect, timeouts.first_answer)
        assert second == (timeouts.connect, timeouts.read)
        assert timeouts.connect * 3 + 3 < 30
        assert timeouts.first_answer * 3 + 3 < 30  # three silent tries plus backoff stay under 30 s
