"""Run one client command in a fresh process and measure it: wall time, peak RSS, delivered events.

Peak RSS is the largest *sum* of RSS over the process and all its descendants, sampled with
psutil every 50 ms. Not `ru_maxrss`: on Linux a child's ru_maxrss includes the RSS it inherited
at fork, before exec, i.e. this harness's own memory (hundreds of MB with a 1M-id truth set).
CPU time (user + system, from `os.wait4`) is recorded too: it moves less than wall time when
the machine is shared.
"""

import os
import subprocess
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import orjson
import psutil

SAMPLE_EVERY_S = 0.05
EVENTS_MARKERS = (b'"stream":"events"', b'"stream": "events"')  # ours/bare loop, and the CDK's spacing


@dataclass(frozen=True)
class RunResult:
    """What one timed run cost."""

    wall_s: float
    cpu_s: float  # user + system time of the client (robust to a busy machine, unlike wall time)
    peak_rss_mb: float
    exit_code: int


def _tree_rss(process: psutil.Process) -> int:
    total = 0
    for member in [process, *process.children(recursive=True)]:
        try:
            total += member.memory_info().rss
        except psutil.Error:  # a child that just exited
            continue
    return total


def _sample_peak(process: psutil.Process, done: threading.Event, peak: list[int]) -> None:
    while not done.is_set():
        try:
            peak[0] = max(peak[0], _tree_rss(process))
        except psutil.Error:
            return
        done.wait(SAMPLE_EVERY_S)


def timed_run(command: list[str], output: Path, log: Path, env: dict[str, str] | None = None) -> RunResult:
    """Run `command` with stdout to `output`; time it from spawn to exit."""
    with output.open("wb") as out, log.open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=out, stderr=err, env=env)
        done, peak = threading.Event(), [0]
        sampler = threading.Thread(target=_sample_peak, args=(psutil.Process(child.pid), done, peak))
        sampler.start()
        _, status, usage = os.wait4(child.pid, 0)
        wall = time.perf_counter() - started
        child.returncode = os.waitstatus_to_exitcode(status)  # we reaped it; tell Popen
        done.set()
        sampler.join()
    cpu = usage.ru_utime + usage.ru_stime
    return RunResult(wall, cpu, peak[0] / 2**20, child.returncode)


@dataclass(frozen=True)
class Delivery:
    """Events found in one run's output."""

    records: int
    distinct: int
    delivered: int  # distinct ids that are in the truth


def count_events(output: Path, truth: set[str]) -> Delivery:
    """Count events RECORD lines, distinct ids, and distinct ids the emulator really holds."""
    records, seen = 0, set()
    with output.open("rb") as lines:
        for line in lines:
            if not any(marker in line[:80] for marker in EVENTS_MARKERS):
                continue
            message = orjson.loads(line)
            if message.get("type") != "RECORD":
                continue
            records += 1
            seen.add(message["record"]["data"]["id"])
    return Delivery(records, len(seen), len(seen & truth))
