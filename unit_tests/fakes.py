"""Shared fakes for the HTTP unit tests: a config, a client wired to a fake clock, an in-memory sink."""

import copy
import io
from typing import Any

import requests
import urllib3

from source_posthog.airbyte.messages import Output
from source_posthog.config.file import parse_config
from source_posthog.config.model import Config
from source_posthog.http.client import ApiClient, ClientSettings
from source_posthog.http.pacing import Pacer
from source_posthog.http.retry import RetryPolicy
from source_posthog.http.stats import HttpStats
from source_posthog.streams.context import ReadContext
from source_posthog.sync.progress import Progress

BASE = "https://us.posthog.com"
API = f"{BASE}/api"
API_KEY = "phx_unitTestKey0123456789abcdefABCDEF0123456789"


class FakeClock:
    """A monotonic clock that only moves when something sleeps."""

    def __init__(self) -> None:
        self.now = 0.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


def make_config(**overrides: Any) -> Config:
    return parse_config({"api_key": API_KEY, "start_date": "2024-01-01T00:00:00Z", "base_url": BASE, **overrides})


class MemorySink(Output):
    """An Output that keeps each message as the dict it would write, so reader tests need not parse JSON back.

    Messages are shaped (and secrets masked) by Output itself; only the bytes are skipped. Record data is
    copied, as writing it would, so a reader changing a dict after emitting it cannot change what was sent.
    """

    def __init__(self) -> None:
        super().__init__(io.BytesIO())
        self.messages: list[dict[str, Any]] = []

    def record(self, stream: str, data: dict[str, Any]) -> None:
        self.messages.append({"type": "RECORD", "record": {"stream": stream, "data": copy.deepcopy(data)}})

    def flush(self) -> None:
        """Nothing buffered."""

    def _emit(self, message: dict[str, Any]) -> None:
        self.messages.append(copy.deepcopy(message))


class Harness:
    """A client, its pacer on a fake clock, and the bytes it wrote."""

    def __init__(self, config: Config | None = None, policy: RetryPolicy | None = None) -> None:
        self.clock = FakeClock()
        self.output = MemorySink()
        self.pacer = Pacer(clock=self.clock, sleep=self.clock.sleep)
        self.config = config or make_config()
        stats = HttpStats(on_warning=lambda message: self.output.log("WARN", message))
        key = self.config.api_key.get_secret_value()
        how = ClientSettings(policy=policy or RetryPolicy(max_tries=5))
        self.client = ApiClient(self.config.base_url, key, self.pacer, stats, how)

    def sync(self, projects: list[dict[str, Any]]) -> ReadContext:
        """The one object a sync hands its readers, over these projects."""
        return ReadContext(self.config, self.client, self.output, projects, Progress(self.output, self.client.stats))

    def messages(self) -> list[dict[str, Any]]:
        return list(self.output.messages)

    def logs(self) -> list[str]:
        return [m["log"]["message"] for m in self.messages() if m["type"] == "LOG"]

    def records(self, stream: str) -> list[dict[str, Any]]:
        return [
            m["record"]["data"] for m in self.messages() if m["type"] == "RECORD" and m["record"]["stream"] == stream
        ]


def page(results: list[dict[str, Any]], next_url: str | None = None) -> dict[str, Any]:
    """One DRF offset page."""
    return {"count": None, "next": next_url, "previous": None, "results": results}


def streamed(body: bytes, headers: dict[str, str]) -> requests.Response:
    """A Response whose body is still on the (fake) wire, as with `stream=True`."""
    response = requests.Response()
    response.status_code = 200
    response.headers.update(headers)
    response.raw = urllib3.HTTPResponse(io.BytesIO(body), headers=headers, preload_content=False)
    return response
