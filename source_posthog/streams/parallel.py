"""Run several page producers at once and hand their pages over in producer order.

PostHog spends seconds on each query while writing a page costs this process a fraction of that, so
windows are fetched side by side (up to the query concurrency) and each producer asks for its next page
as soon as it knows the last key of the one before. The consumer still sees window 1's pages, then window
2's, exactly as a serial read would: every STATE it writes covers everything before it, so a killed read
re-delivers nothing but the page it was writing. Each producer hands over at most one page ahead of the
consumer (a queue of one), which bounds memory to about two pages per producer.
"""

import queue
import threading
from collections.abc import Callable, Generator, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")
POLL_SECONDS = 0.2  # how often a blocked producer checks whether the consumer has gone


@dataclass(frozen=True)
class _Failed:
    error: BaseException


_DONE = object()


class _Producer(Generic[T]):
    """One producer on its own daemon thread (a thread stuck in a retry wait must never delay the exit)."""

    def __init__(self, produce: Callable[[], Iterator[T]], stopped: threading.Event) -> None:
        self.items: queue.Queue[object] = queue.Queue(maxsize=1)
        self._produce, self._stopped = produce, stopped
        threading.Thread(target=self._run, daemon=True).start()

    def _run(self) -> None:
        try:
            for item in self._produce():
                if not self._hand_over(item):
                    return
            self._hand_over(_DONE)
        except BaseException as error:
            self._hand_over(_Failed(error))

    def _hand_over(self, item: object) -> bool:
        while not self._stopped.is_set():
            try:
                self.items.put(item, timeout=POLL_SECONDS)
            except queue.Full:
                continue
            return True
        return False

    def __iter__(self) -> Iterator[T]:
        while (item := self.items.get()) is not _DONE:
            if isinstance(item, _Failed):
                raise item.error
            yield item  # type: ignore[misc]  # anything else a producer put is a T


def iter_in_order(producers: Iterable[Callable[[], Iterator[T]]], workers: int) -> Generator[T, None, None]:
    """Every item of every producer, producer by producer, with up to `workers` producers running at once."""
    stopped = threading.Event()
    pending = iter(producers)
    running: list[_Producer[T]] = []
    try:
        while True:
            while len(running) < workers and (produce := next(pending, None)) is not None:
                running.append(_Producer(produce, stopped))
            if not running:
                return
            yield from running.pop(0)
    finally:
        stopped.set()  # producers still running stop at their next hand-over
