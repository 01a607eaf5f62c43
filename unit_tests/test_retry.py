"""Retry waits: Retry-After obeyed to the second, exponential steps jittered within bounds, budgets end retries."""

import random
from collections.abc import Generator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

import pytest

from source_posthog.http.retry import RetryableError, RetryPolicy, exponential_wait, parse_retry_after, wait_times

NOW = datetime(2026, 5, 1, 12, 0, 0, tzinfo=UTC).timestamp()


def start(policy: RetryPolicy, clock: list[float] | None = None, seed: int = 1) -> Generator[float, Any, None]:
    times = clock or [0.0]
    waits = wait_times(policy, clock=lambda: times[0], rng=random.Random(seed))  # noqa: S311
    next(waits)  # what backoff does when a request starts
    return waits


class TestParseRetryAfter:
    @pytest.mark.parametrize(
        ("header", "seconds"),
        [
            ("37", 37.0),
            (" 5 ", 5.0),
            ("0", 0.0),
            ("3600", 3600.0),
            ("Fri, 01 May 2026 12:00:30 GMT", 30.0),
            ("Fri, 01 May 2026 11:59:00 GMT", 0.0),  # already past: retry now
            ("soon", None),
            ("-5", None),
            ("1.5", None),
            ("", None),
            (None, None),
        ],
    )
    def test_given_header_when_parsed_then_seconds_or_none(self, header: str | None, seconds: float | None) -> None:
        assert parse_retry_after(header, now=lambda: NOW) == seconds

    def test_given_http_date_from_format_datetime_when_parsed_then_matches(self) -> None:
        header = format_datetime(datetime.fromtimestamp(NOW + 90, UTC), usegmt=True)

        assert parse_retry_after(header, now=lambda: NOW) == 90.0


class TestWaitTimes:
    def test_given_retry_after_when_waiting_then_exactly_retry_after_without_jitter(self) -> None:
        waits = start(RetryPolicy())

        assert [waits.send(RetryableError("HTTP 429", s, 429)) for s in (37.0, 1.0, 0.0)] == [37.0, 1.0, 0.0]

    @pytest.mark.parametrize("seed", range(20))
    def test_given_no_retry_after_when_waiting_then_each_step_jittered_within_half_to_full(self, seed: int) -> None:
        policy = RetryPolicy(max_total_wait=10_000)
        waits = start(policy, seed=seed)

        for attempt in range(10):
            step = min(2.0**attempt, policy.max_exponential_wait)
            assert step / 2 <= waits.send(RetryableError("HTTP 503")) <= step

    def test_given_same_failures_when_two_clients_wait_then_jitter_spreads_them(self) -> None:
        first = [exponential_wait(5, RetryPolicy(), random.Random(seed)) for seed in range(50)]  # noqa: S311

        assert len(set(first)) == 50

    def test_given_429_without_retry_after_after_one_with_it_when_waiting_then_exponential_resumes_at_first_step(
        self,
    ) -> None:
        waits = start(RetryPolicy())

        assert waits.send(RetryableError("HTTP 429", 10.0, 429)) == 10.0
        assert 0.5 <= waits.send(RetryableError("HTTP 429", None, 429)) <= 1.0

    def test_given_retry_after_longer_than_allowed_when_waiting_then_gives_up(self) -> None:
        waits = start(RetryPolicy(max_retry_after=3600))

        with pytest.raises(StopIteration):
            waits.send(RetryableError("HTTP 429", 3601.0, 429))

    def test_given_time_already_spent_when_next_wait_exceeds_budget_then_gives_up(self) -> None:
        clock = [0.0]
        waits = start(RetryPolicy(max_total_wait=60), clock)
        assert waits.send(RetryableError("HTTP 429", 20.0, 429)) == 20.0

        clock[0] = 50.0  # the wait plus slow requests used 50 s of the budget
        with pytest.raises(StopIteration):
            waits.send(RetryableError("HTTP 429", 20.0, 429))
