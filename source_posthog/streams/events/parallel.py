"""Run several page producers at once and hand their pages over in producer order.

PostHog spends seconds on each query while writing a page costs this process a fraction of that, so
windows are fetched side by side (up to the query concurrency), and each producer asks for its next page
as soon as the consumer has taken the one before, whose last key it knows. The consumer still sees
window 1's pages, then window 2's, exactly as a serial read would: every STATE it writes covers
everything before it, so a killed read re-delivers nothing but the page it was writing. A producer holds
at most one page the consumer has not taken, so memory holds at most one page per producer plus the one
being written. That count is what the page budget (query/budget.py) divides `max_memory_mb` by: pages are
sized in bytes so that these pages fit, and no producer fetches a page beyond them.
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
        """Queue the item, then wait until the consumer has taken it: a producer holds at most one page."""
        while not self._stopped.is_set():
            try:
                self.items.put(item, timeout=POLL_SECONDS)
            except queue.Full:
                continue
            with self.items.all_tasks_done:
                while self.items.unfinished_tasks and not self._stopped.is_set():
                    self.items.all_tasks_done.wait(POLL_SECONDS)
            return not self._stopped.is_set()
        return False

    def __iter__(self) -> Iterator[T]:
        while True:
            item = self.items.get()
            self.items.task_done()  # taken: the producer may fetch its next page while this one is written
            if item is _DONE:
                return
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
