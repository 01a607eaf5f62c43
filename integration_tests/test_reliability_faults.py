"""Faults (issue 7.2, 7.5): a faulty PostHog costs time, never data, and never the key.

- Seeded 500/502/503/504, connections reset mid-body, truncated JSON bodies and slow answers (at most two
  in a row per request): a full read of all seven streams delivers exactly the records of a clean read,
  and every faulted request was sent again until it succeeded (a bad body is retried, never skipped).
- Retries running out mid-events (a 503 on every try, or a 429 asking to wait a day) or in persons after
  events: the read stops with a transient_error TRACE and a non-zero exit, after a STATE that covers every
  event it delivered; a resume from that STATE completes every stream with none missing.
- A /query/ redirect to another host is refused before the key could travel there.
The 503s of the exhaustion case carry `Retry-After: 0` so ten tries take no time; the policy under test
(how many tries, what happens when they run out) is the connector's default.
"""

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from integration_tests.helpers import FULL_REFRESH, Run, state_file_from
from integration_tests.reliability import (
    all_gaps,
    assert_no_leak,
    assert_union_complete,
    events_by_project,
    intercept,
    read,
    request_key,
)
from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.common.web import Response

FAULTS = ("500", "502", "503", "504", "reset", "truncated", "slow")
RETRIED = set(FAULTS) - {"slow"}  # a slow answer is still an answer
PAGE = 500
# Before its first page a project costs one late-events count and one density query per 365 days since
# start_date (2020-01-01); then three pages of the first project succeed, then failures.
PLANNING_QUERIES = 1 + -(-(datetime.now(UTC) - datetime(2020, 1, 1, tzinfo=UTC)).days // 365)
SUCCESSFUL_QUERIES = PLANNING_QUERIES + 3
READ: dict[str, Any] = {"events_time_step": 91, "events_page_size": PAGE}


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """Two projects (plus the empty and one-event ones), 5,000 events, 200 persons each, quirks on."""
    emulator = Emulator(EmulatorSettings(seed=31, events=5_000, projects=2, persons_per_project=200)).start()
    yield emulator
    emulator.stop()


def canonical(run: Run) -> dict[str, list[str]]:
    """Every record of every stream, as sorted JSON lines: two reads are equal when these are."""
    found: dict[str, list[str]] = {}
    for message in run.of_type("RECORD"):
        found.setdefault(message["record"]["stream"], []).append(json.dumps(message["record"]["data"], sort_keys=True))
    return {stream: sorted(lines) for stream, lines in found.items()}


def answered(entry: dict[str, Any]) -> bool:
    """A 200, or PostHog's time-limit 504 on /query/ (a seeded `504` fault): the retry was sent and answered, and
    the reader then splits the query instead of sending it again (as after a first-try 504)."""
    time_limit = entry["fault"] == "504" and str(entry["url"]).rstrip("/").endswith("/query")
    return bool(entry["status"] == 200 or time_limit)


def skipped_faults(log: list[dict[str, Any]]) -> list[tuple[str, str]]:
    """(fault, URL) of faulted requests never answered with a 200 afterwards."""
    ordered = sorted(log, key=lambda entry: entry["n"])
    skipped = []
    for i, entry in enumerate(ordered):
        # PostHog's 504 on /query/ is its time-limit answer: split into narrower queries, never retried as is.
        time_limit = entry["fault"] == "504" and entry["url"].rstrip("/").endswith("/query")
        if (
            entry["fault"] in RETRIED
            and not time_limit
            and not any(answered(later) and request_key(later) == request_key(entry) for later in ordered[i + 1 :])
        ):
            skipped.append((entry["fault"], entry["url"]))
    return skipped


def test_given_seeded_transient_faults_when_full_read_then_exactly_the_records_of_a_clean_read(
    emu: Emulator, tmp_path: Path
) -> None:
    clean = read(emu, tmp_path, **READ)
    emu.clear_requests()
    emu.configure(faults={"rate": 0.2, "kinds": FAULTS, "max_consecutive": 2, "seed": 4, "slow_s": 0.3})

    faulty = read(emu, tmp_path, **READ)

    log = emu.requests
    kinds = sorted(entry["fault"] for entry in log if entry["fault"])
    print(f"faults: {len(kinds)} in {len(log)} requests: {kinds}")
    assert clean.returncode == 0, clean.errors
    assert faulty.returncode == 0, faulty.errors
    assert all_gaps(clean, emu) == {}
    assert canonical(faulty) == canonical(clean)
    assert len(set(kinds)) >= 3, kinds  # /query/ bodies name the sync's start time, so draws vary per run
    assert skipped_faults(log) == []
    assert_no_leak(faulty, emu)


def test_given_a_query_page_truncated_then_cut_by_a_reset_when_read_then_sent_again_until_whole(
    emu: Emulator, tmp_path: Path
) -> None:
    emu.configure(faults={"queue": ["truncated", "reset"], "path_contains": "/query"})

    run = read(emu, tmp_path, ("events",), **READ)

    first = [entry for entry in emu.requests if entry["path"].endswith("/query/")][:3]
    assert run.returncode == 0, run.errors
    assert [(entry["fault"], entry["status"]) for entry in first] == [("truncated", 200), ("reset", 200), (None, 200)]
    assert len({request_key(entry) for entry in first}) == 1
    assert all_gaps(run, emu, ("events",)) == {}
    assert sum("incomplete or invalid JSON" in line for line in run.logs) == 1


def fail_after(emu: Emulator, path_end: str, successes: int, body_has: str = "") -> dict[str, bool]:
    """Every request to `path_end` (whose body holds `body_has`) after the first `successes` gets a 503
    (Retry-After: 0) while `failing["on"]`."""
    failing = {"on": True}
    answered = [0]

    def hook(req: Any, outcome: Any) -> Any:
        if failing["on"] and req.path.rstrip("/").endswith(path_end) and body_has.encode() in (req.body or b""):
            answered[0] += 1
            if answered[0] > successes:
                body = {"type": "server_error", "code": "error", "detail": "Service unavailable.", "attr": None}
                outcome.response = Response(503, body, {"Retry-After": "0"})
        return outcome

    intercept(emu, hook)
    return failing


def fail_queries_after(emu: Emulator, successes: int) -> dict[str, bool]:
    """/query/ answers `successes` times, then 503 on every try."""
    return fail_after(emu, "/query", successes)


def fail_persons_after_events(emu: Emulator, _successes: int) -> dict[str, bool]:
    """Events complete, then the second persons page query fails on every try."""
    return fail_after(emu, "/query", 1, body_has=" FROM raw_persons WHERE id <= ")  # a persons page (query/bounded.py)


def spend_query_budget_after(emu: Emulator, successes: int) -> dict[str, bool]:
    """A day-long /query/ budget of `successes` requests: then 429 with Retry-After ~86,400 s."""
    day = {"burst": None, "sustained": successes, "sustained_period_s": 86_400.0}
    emu.configure(limits={"enabled": True, "classes": {"query": day}})
    return {"on": True}


def assert_state_covers_delivered(run: Run) -> dict[str, Any]:
    """The last events STATE comes after every event record and no record is past its project's cursor."""
    last_state = max(i for i, m in enumerate(run.messages) if m["type"] == "STATE")
    after = [m for m in run.messages[last_state:] if m["type"] == "RECORD" and m["record"]["stream"] == "events"]
    assert after == []
    state = run.last_state()
    assert state is not None
    cursors = state["stream"]["stream_state"]
    for project_id, records in events_by_project(run).items():
        cursor = datetime.fromisoformat(cursors[str(project_id)]["timestamp"])
        assert max(datetime.fromisoformat(r["timestamp"]) for r in records) <= cursor
    return state


@pytest.mark.parametrize(
    ("break_queries", "words", "events_done"),
    [
        pytest.param(fail_queries_after, "after 10 attempts", False, id="503 on every try of /query/"),
        pytest.param(spend_query_budget_after, "longer than the 3600 s", False, id="429 asking to wait a day"),
        pytest.param(fail_persons_after_events, "after 10 attempts", True, id="503 on every try of persons"),
    ],
)
def test_given_retries_run_out_mid_read_when_read_then_transient_error_state_and_nonzero_exit(
    emu: Emulator, tmp_path: Path, break_queries: Any, words: str, events_done: bool
) -> None:
    failing = break_queries(emu, SUCCESSFUL_QUERIES)

    broken = read(emu, tmp_path, **READ)

    assert broken.returncode != 0
    assert broken.errors[-1]["failure_type"] == "transient_error", broken.errors
    assert words in broken.errors[-1]["message"], broken.errors[-1]["message"]
    delivered = len(broken.records("events"))
    assert delivered > 0
    assert (delivered == len(emu.truth("events", unique=True))) is events_done  # else it stopped mid-events
    assert_state_covers_delivered(broken)
    assert_no_leak(broken, emu)
    failing["on"] = False
    emu.configure(limits={"enabled": False})
    resumed = read(emu, tmp_path, state=state_file_from(broken, tmp_path), **READ)
    assert resumed.returncode == 0, resumed.errors
    assert assert_union_complete([broken, resumed], emu, max_redelivered=0) == 0
    assert all_gaps(resumed, emu, FULL_REFRESH) == {}


def test_given_query_redirected_to_another_host_when_read_then_refused_and_key_never_sent_there(
    emu: Emulator, tmp_path: Path
) -> None:
    port = emu.base_url.rsplit(":", 1)[1]

    def redirect(req: Any, outcome: Any) -> Any:
        if req.path.rstrip("/").endswith("/query"):
            outcome.response = Response(307, None, {"Location": f"http://localhost:{port}{req.path}"})
        return outcome

    intercept(emu, redirect)
    run = read(emu, tmp_path, ("events",), **READ)

    assert run.returncode == 1
    assert run.errors[-1]["failure_type"] == "config_error"
    assert "localhost" in run.errors[-1]["message"]
    assert_no_leak(run, emu)  # includes: every request reached 127.0.0.1 only
