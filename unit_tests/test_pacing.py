"""Pacer: requests spread so no sliding window of PostHog's is ever overfull, with a fake clock."""

from bisect import bisect_right

import pytest

from source_posthog.config.rates import Window
from source_posthog.http.pacing import DOCUMENTED_LIMITS, WINDOW_MARGIN_SECONDS, EndpointClass, Pacer, describe_wait
from unit_tests.fakes import FakeClock

TINY: dict[EndpointClass, tuple[Window, ...]] = {
    EndpointClass.CRUD: (Window(3, 60),),
    EndpointClass.PERSONS: (Window(2, 10),),
}


def pacer(clock: FakeClock, limits: dict[EndpointClass, tuple[Window, ...]] | None = TINY, share: float = 1.0) -> Pacer:
    return Pacer(limits=limits, share=share, clock=clock, sleep=clock.sleep)


class TestDocumentedLimits:
    @pytest.mark.parametrize(
        ("endpoint", "windows"),
        [
            (EndpointClass.CRUD, (Window(480, 60), Window(4800, 3600))),
            (EndpointClass.ANALYTICS, (Window(240, 60), Window(1200, 3600))),
            (EndpointClass.PERSONS, (Window(240, 60),)),
            (EndpointClass.QUERY, (Window(240, 60), Window(2400, 3600))),
        ],
    )
    def test_given_endpoint_class_when_sized_then_matches_posthog_docs(
        self, endpoint: EndpointClass, windows: tuple[Window, ...]
    ) -> None:
        assert DOCUMENTED_LIMITS[endpoint] == windows


class TestAcquire:
    def test_given_window_full_when_acquire_then_sleeps_until_oldest_request_leaves(self) -> None:
        clock = FakeClock()
        limiter = pacer(clock)

        for _ in range(4):
            limiter.acquire(EndpointClass.CRUD)

        assert clock.sleeps == [pytest.approx(60 + WINDOW_MARGIN_SECONDS)]

    def test_given_documented_limits_when_many_requests_then_no_window_ever_overfull(self) -> None:
        clock = FakeClock()
        limiter = pacer(clock, limits=None)
        sent = []
        for _ in range(6000):
            limiter.acquire(EndpointClass.CRUD)
            sent.append(clock.now)
            clock.now += 0.01  # a fast server

        for window in DOCUMENTED_LIMITS[EndpointClass.CRUD]:
            # requests in the window (end - seconds, end] that ends at each request
            worst = max(i + 1 - bisect_right(sent, end - window.seconds) for i, end in enumerate(sent))
            assert worst <= window.limit
        assert clock.now > 3600  # 6000 requests need more than an hour at 4800/h

    @pytest.mark.parametrize(("share", "allowed"), [(1.0, 3), (0.67, 2), (0.1, 1)])
    def test_given_rate_limit_share_when_acquire_then_fewer_requests_per_window(
        self, share: float, allowed: int
    ) -> None:
        clock = FakeClock()
        limiter = pacer(clock, share=share)

        for _ in range(allowed):
            limiter.acquire(EndpointClass.CRUD)
        assert clock.sleeps == []
        limiter.acquire(EndpointClass.CRUD)
        assert len(clock.sleeps) == 1

    def test_given_hold_after_429_when_acquire_then_waits_out_the_hold_for_that_class_only(self) -> None:
        clock = FakeClock()
        limiter = pacer(clock)

        limiter.hold(EndpointClass.CRUD, 30)
        limiter.acquire(EndpointClass.PERSONS)
        assert clock.sleeps == []
        limiter.acquire(EndpointClass.CRUD)
        assert clock.sleeps == [30]

    def test_given_class_without_limits_when_acquire_then_never_waits(self) -> None:
        clock = FakeClock()
        limiter = pacer(clock)

        for _ in range(1000):
            limiter.acquire(EndpointClass.QUERY)

        assert clock.sleeps == []
        assert limiter.waited_seconds == 0


class TestLongWaits:
    """A read that has spent the hourly window sleeps for minutes; it says so instead of looking hung."""

    def test_given_the_hourly_window_full_when_acquire_then_the_wait_and_its_window_are_told_once(self) -> None:
        clock, told = FakeClock(), []
        limiter = Pacer(None, clock=clock, sleep=clock.sleep, on_long_wait=lambda *wait: told.append(wait))
        for _ in range(2401):
            limiter.acquire(EndpointClass.QUERY)

        assert len(told) == 1
        endpoint, window, seconds = told[0]
        assert (endpoint, window) == (EndpointClass.QUERY, Window(2400, 3600))
        assert seconds == pytest.approx(3600 - 9 * 60, abs=1)  # the hour, less the nine minutes of 240-request bursts
        message = describe_wait(endpoint, window, seconds)
        assert "2,400" in message
        assert "60 min" in message
        assert "rate_limits" in message

    def test_given_only_the_minute_window_full_when_acquire_then_nothing_is_told(self) -> None:
        clock, told = FakeClock(), []
        limiter = Pacer(TINY, clock=clock, sleep=clock.sleep, on_long_wait=lambda *wait: told.append(wait))
        for _ in range(10):
            limiter.acquire(EndpointClass.CRUD)

        assert clock.sleeps
        assert told == []

    def test_given_a_long_hold_after_429_when_acquire_then_told_without_a_window(self) -> None:
        clock, told = FakeClock(), []
        limiter = Pacer(TINY, clock=clock, sleep=clock.sleep, on_long_wait=lambda *wait: told.append(wait))
        limiter.hold(EndpointClass.CRUD, 300)
        limiter.acquire(EndpointClass.CRUD)

        assert told == [(EndpointClass.CRUD, None, 300)]
        assert "429" in describe_wait(*told[0])
