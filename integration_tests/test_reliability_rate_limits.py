"""Rate limits (issue 7.1): a full read of all seven streams under limits of a few requests per second.

The emulator throttles each endpoint class with DRF's sliding window (crud 6/s, insights 3/s, persons
3/s, /query/ 4/s). Two users meet it:
- one who told the connector those limits (`rate_limits`): the pacer spaces requests so 429s stay rare,
  and the read takes little more than the limits themselves force;
- one who did not (pacer at PostHog's documented 240+/minute): 429s happen, and every retry waits the
  full `Retry-After` of the 429 it answers (checked on the emulator's request log, which holds both the
  arrival time and the `Retry-After` it sent).
Either way nothing is lost and nothing is repeated, and the key appears in no output.

The floor: a window rule of L requests per P seconds lets a sequential reader send requests 1..L at
t=0, L+1..2L at t=P, ...: n requests span at least (ceil(n / L) - 1) * P seconds. Streams are read one
after another and each uses one class, so the classes' phases do not overlap (asserted) and the read
cannot be shorter than the sum of its classes' floors. The allowance is 1.5 x floor + STARTUP_SECONDS,
the un-throttled cost of the same read: interpreter start and imports (~0.4 s) plus ~60 requests served
by the in-process emulator (~0.4 s), doubled for a shared 2-core machine.
"""

import math
import re
import time
from collections.abc import Iterator
from itertools import groupby
from pathlib import Path
from typing import Any

import pytest

from integration_tests.helpers import Run
from integration_tests.reliability import all_gaps, assert_no_leak, read, request_key, throttle_class
from posthog_emulator import Emulator, EmulatorSettings

PER_SECOND = {"crud": 6, "clickhouse": 3, "persons": 3, "query": 4}  # emulator class -> requests per second
TOLD = {"crud": "6/second", "analytics": "3/second", "persons": "3/second", "query": "4/second"}
STARTUP_SECONDS = 1.6
READ: dict[str, Any] = {"events_time_step": 91, "events_page_size": 2000}  # one slice per project: few /query/ pages


@pytest.fixture
def throttled() -> Iterator[Emulator]:
    """Two projects (plus the empty and one-event ones), 6,000 events, every class at a few per second."""
    emu = Emulator(EmulatorSettings(seed=21, events=6_000, projects=2, persons_per_project=200, span_days=80)).start()
    classes = {name: {"burst": n, "sustained": None, "burst_period_s": 1.0} for name, n in PER_SECOND.items()}
    emu.configure(limits={"enabled": True, "classes": classes})
    yield emu
    emu.stop()


def timed_read(emu: Emulator, folder: Path, **config: Any) -> tuple[Run, float]:
    started = time.monotonic()
    run = read(emu, folder, **READ, **config)
    return run, time.monotonic() - started


def floor_seconds(log: list[dict[str, Any]]) -> float:
    """Sum over classes of (ceil(n_c / limit_c) - 1) x period for the n_c requests the emulator accepted."""
    accepted = [throttle_class(entry) for entry in log if entry["status"] != 429]
    return sum((math.ceil(accepted.count(name) / limit) - 1) * 1.0 for name, limit in PER_SECOND.items())


def early_retries(log: list[dict[str, Any]]) -> list[tuple[int, float]]:
    """(log number, seconds too early) of every request that followed a 429 before its Retry-After.

    Events windows are read side by side, so a 429'd request's retry is the next request with the same key
    (asserted to exist), not necessarily the next request.
    """
    ordered = sorted(log, key=lambda entry: entry["time"])
    early = []
    for i, refused in enumerate(ordered):
        if refused["status"] != 429:
            continue
        retries = (later for later in ordered[i + 1 :] if request_key(later) == request_key(refused))
        following = next(retries, None)
        assert following is not None, "a 429'd request was never retried"
        allowed = refused["time"] + float(refused["retry_after"])
        if following["time"] < allowed:
            early.append((following["n"], allowed - following["time"]))
    return early


def test_given_limits_told_to_the_connector_when_full_read_then_complete_paced_and_near_the_floor(
    throttled: Emulator, tmp_path: Path
) -> None:
    run, wall = timed_read(throttled, tmp_path, rate_limits=TOLD)
    log = throttled.requests
    refused = sum(entry["status"] == 429 for entry in log)
    floor = floor_seconds(log)
    print(f"told limits: {len(log)} requests, {refused} x 429, wall {wall:.1f} s, floor {floor:.1f} s")

    assert run.returncode == 0, run.errors
    assert all_gaps(run, throttled) == {}
    phases = [name for name, _ in groupby(throttle_class(e) for e in sorted(log, key=lambda e: e["time"]))]
    # One contiguous phase per class: floors add up. Persons go through /query/ (the persons class paces only
    # the /persons/ fallback), after events, so the query phase holds both.
    assert sorted(phases) == sorted(set(PER_SECOND) - {"persons"}), phases
    assert refused <= 2, f"{refused} 429s of {len(log)} requests: the pacer should prevent them"
    assert early_retries(log) == []
    assert floor >= 5
    assert wall <= 1.5 * floor + STARTUP_SECONDS, (wall, floor)
    assert_no_leak(run, throttled)


def test_given_limits_unknown_to_the_connector_when_full_read_then_every_retry_waits_its_retry_after(
    throttled: Emulator, tmp_path: Path
) -> None:
    run, wall = timed_read(throttled, tmp_path)
    log = throttled.requests
    refused = [entry for entry in log if entry["status"] == 429]
    print(f"unknown limits: {len(log)} requests, {len(refused)} x 429, wall {wall:.1f} s")

    assert run.returncode == 0, run.errors
    assert all_gaps(run, throttled) == {}
    assert refused, "the emulator's limits were never hit"
    assert all(entry["retry_after"] is not None for entry in refused)
    assert early_retries(log) == []
    assert sum("HTTP 429" in line and "(Retry-After)" in line for line in run.logs) == len(refused)
    assert re.search(rf"\b{len(refused)} throttled \(429\)", run.logs[-1]), run.logs[-1]
    assert_no_leak(run, throttled)
