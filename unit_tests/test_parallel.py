"""Producers read side by side, their items handed over in producer order; failures reach the consumer."""

import threading
import time
from collections.abc import Callable, Iterator

import pytest

from source_posthog.http.concurrency import ConcurrencyLimit
from source_posthog.streams.events.parallel import iter_in_order


def producer(
    name: str, count: int, running: list[int], peak: list[int], lock: threading.Lock
) -> Callable[[], Iterator[str]]:
    def produce() -> Iterator[str]:
        with lock:
            running[0] += 1
            peak[0] = max(peak[0], running[0])
        try:
            for i in range(count):
                time.sleep(0.005)  # a query
                yield f"{name}{i}"
        finally:
            with lock:
                running[0] -= 1

    return produce


class TestIterInOrder:
    @pytest.mark.parametrize("workers", [1, 3])
    def test_given_producers_when_read_then_items_in_producer_order_and_at_most_n_at_once(self, workers: int) -> None:
        running, peak, lock = [0], [0], threading.Lock()
        producers = [producer(name, 4, running, peak, lock) for name in "abcde"]
        items = list(iter_in_order(producers, workers))
        assert items == [f"{name}{i}" for name in "abcde" for i in range(4)]
        assert peak[0] <= workers

    def test_given_a_producer_fails_when_read_then_the_consumer_gets_the_error_after_earlier_items(self) -> None:
        def failing() -> Iterator[str]:
            yield "b0"
            raise ValueError("boom")

        items = iter_in_order([lambda: iter(["a0"]), failing, lambda: iter(["c0"])], 3)
        assert [next(items), next(items)] == ["a0", "b0"]
        with pytest.raises(ValueError, match="boom"):
            next(items)

    def test_given_the_consumer_stops_when_closed_then_producers_stop_at_their_next_hand_over(self) -> None:
        made: list[int] = []

        def endless() -> Iterator[int]:
            for i in range(10_000):
                made.append(i)
                yield i

        items = iter_in_order([endless], 1)
        assert next(items) == 0
        items.close()
        time.sleep(0.5)
        assert len(made) <= 3  # one handed over, one queued, one waiting to be queued


class TestConcurrencyLimit:
    def test_given_a_refusal_when_lowered_then_one_place_fewer_until_the_cooldown_passes(self) -> None:
        now = [0.0]
        gate = ConcurrencyLimit(3, cooldown=60, clock=lambda: now[0])
        assert gate.lower() == 2
        assert gate.lower() == 1
        assert gate.lower() == 1  # never below one
        with gate.slot():
            assert gate.limit == 1
        now[0] = 61.0
        with gate.slot():
            assert gate.limit == 2

    def test_given_a_full_gate_when_another_asks_then_it_waits_for_a_release(self) -> None:
        gate = ConcurrencyLimit(1)
        entered = threading.Event()
        with gate.slot():

            def enter() -> None:
                with gate.slot():
                    entered.set()

            waiter = threading.Thread(target=enter)
            waiter.start()
            time.sleep(0.05)
            assert not entered.is_set()
        waiter.join(timeout=2)
        assert entered.is_set()
