"""A wrong or dead base_url fails fast, and says why: refused, dropped, silent, TLS — on real loopback sockets.

The in-process tests shrink the timeouts; one test runs the installed CLI with its real defaults against each
kind of dead port at once (in parallel, ~25 s of wall time) and holds it to the 30 s promise.
"""

import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, ExitStack, nullcontext
from datetime import UTC, datetime
from pathlib import Path

import pytest

from integration_tests.helpers import Run, catalog_for, config_for, run_connector, write_json
from integration_tests.loopback import closed_port, dropping_port, plain_http_port, silent_port
from posthog_emulator import Emulator, EmulatorSettings
from source_posthog.errors import UnreachableError
from source_posthog.http.client import ApiClient, ClientSettings, Timeouts
from source_posthog.http.pacing import Pacer
from source_posthog.http.retry import RetryPolicy
from source_posthog.streams.query.sql import Bounds, select_one_row

KEY = "phx_loopbackTestKey0123456789abcdef"
SHORT = Timeouts(connect=0.5, first_answer=0.5, read=10.0)
QUICK_RETRIES = RetryPolicy(max_tries=10, base_wait=0.01)
PROMISE_S = 30.0

# (name, scheme, port context, words of the cause, words of the advice)
Port = Callable[[], AbstractContextManager[int]]
CASES: list[tuple[str, str, Port, str, str]] = [
    ("refused", "http", lambda: nullcontext(closed_port()), "connection refused by", "check the port"),
    ("dropping", "http", dropping_port, "timed out connecting to", "drops connection attempts"),
    ("silent", "http", silent_port, "accepted the connection but sent no answer", "points at PostHog"),
    ("tls", "https", plain_http_port, "TLS handshake", "write http://"),
]


def client_for(base_url: str, key: str = KEY) -> ApiClient:
    return ApiClient(base_url, key, Pacer(), None, ClientSettings(policy=QUICK_RETRIES, timeouts=SHORT))


class TestUnreachableHost:
    @pytest.mark.parametrize(("name", "scheme", "port", "cause", "advice"), CASES)
    def test_given_dead_host_when_first_request_then_gives_up_after_three_short_tries_naming_cause(
        self, name: str, scheme: str, port: Port, cause: str, advice: str
    ) -> None:
        with port() as number:
            client = client_for(f"{scheme}://127.0.0.1:{number}")
            started = time.monotonic()
            with pytest.raises(UnreachableError) as raised:
                client.get_json("projects/")
            elapsed = time.monotonic() - started

        message = raised.value.message
        assert message.startswith(f"Cannot reach PostHog at 127.0.0.1:{number} after 3 attempts"), name
        assert cause in message, name
        assert message.lower().count(advice.lower()) == 1, name
        assert client.stats.requests == 3, name
        assert elapsed < 3 * (SHORT.connect + SHORT.first_answer) + 1, name

    def test_given_host_that_answered_when_a_query_takes_longer_than_the_first_answer_timeout_then_waited_for(
        self,
    ) -> None:
        emulator = Emulator(EmulatorSettings(seed=3, events=10, projects=1, edge_projects=False)).start()
        try:
            emulator.configure(faults={"query_latency_s": 1.5})  # each /query/ page takes 1.5 s
            client = client_for(emulator.base_url, emulator.api_key)
            (project,) = client.get_json("projects/")["results"]
            bounds = Bounds("timestamp", datetime(2000, 1, 1, tzinfo=UTC), datetime.now(UTC))
            (count,) = select_one_row(
                client, project["id"], "count() FROM events", [bounds.condition()], name="slow page"
            )
        finally:
            emulator.stop()

        assert count == 10
        assert client.stats.retries == 0  # 1.5 s > first_answer, yet one try: the host had answered before


@pytest.fixture
def dead_ports() -> Iterator[dict[str, int]]:
    with ExitStack() as stack:
        yield {
            "refused": closed_port(),
            "dropping": stack.enter_context(dropping_port()),
            "silent": stack.enter_context(silent_port()),
        }


def timed(args: list[str]) -> tuple[float, Run]:
    started = time.monotonic()
    run = run_connector(args, timeout=120)
    return time.monotonic() - started, run


@pytest.mark.slow
def test_given_each_dead_port_when_cli_check_and_read_then_each_answers_within_30_s_naming_the_cause(
    dead_ports: dict[str, int], tmp_path: Path
) -> None:
    commands = {}
    for name, port in dead_ports.items():
        config = write_json(tmp_path, f"{name}.json", config_for(f"http://127.0.0.1:{port}", KEY))
        commands[f"check {name}"] = ["check", "--config", config]
    catalog = write_json(tmp_path, "catalog.json", catalog_for(("events",)))
    commands["read silent"] = ["read", "--config", str(tmp_path / "silent.json"), "--catalog", catalog]

    with ThreadPoolExecutor(len(commands)) as pool:
        results = dict(zip(commands, pool.map(timed, commands.values()), strict=True))

    for name, (elapsed, run) in results.items():
        assert elapsed < PROMISE_S, (name, elapsed)
        assert KEY not in run.stdout + run.stderr
    causes = {"refused": "connection refused", "dropping": "timed out connecting", "silent": "sent no answer"}
    for name, words in causes.items():
        status = results[f"check {name}"][1].connection_status
        assert (status["status"], results[f"check {name}"][1].returncode) == ("FAILED", 0)
        assert words in status["message"]
        assert status["message"].count("base_url") == 1, status["message"]
    (error,) = results["read silent"][1].errors
    assert (error["failure_type"], results["read silent"][1].returncode) == ("transient_error", 1)
    assert "sent no answer within 7 s" in error["message"]
