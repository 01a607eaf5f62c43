"""streams/query/budget.py: rows per page follow the bytes rows weigh, within max_memory_mb, per project and table."""

import threading

from source_posthog.streams.query.budget import FIRST_ROW_BYTES, MB, MIN_PAGE_BYTES, PageBudget


def test_given_no_budget_when_asked_then_pages_as_the_reader_wants() -> None:
    budget = PageBudget()
    budget.observe(1, "events", 100 * MB, 10)

    assert budget.rows(1, "events", 45_000) == 45_000
    assert budget.report("events") is None


def test_given_nothing_seen_when_asked_then_a_small_first_page_sized_for_fat_rows() -> None:
    budget = PageBudget(256, 3)
    assert budget.page_bytes is not None

    assert budget.rows(1, "events", 45_000) == int(budget.page_bytes // FIRST_ROW_BYTES) < 1_000


def test_given_light_rows_when_asked_then_full_pages_up_to_what_the_reader_wants() -> None:
    budget = PageBudget(256, 3)
    budget.observe(1, "events", 419 * 45_001, 45_001)  # the emulator's light events: 419 bytes a row

    assert budget.rows(1, "events", 45_000) == 45_000


def test_given_heavy_rows_when_asked_then_pages_hold_the_budget_in_bytes() -> None:
    budget = PageBudget(256, 3)
    assert budget.page_bytes is not None
    budget.observe(1, "events", 10_000 * 2_001, 2_001)

    rows = budget.rows(1, "events", 45_000)
    assert rows == int(budget.page_bytes // 10_000)
    assert rows * 10_000 <= budget.page_bytes


def test_given_a_smaller_budget_or_more_queries_in_flight_then_smaller_pages() -> None:
    wide, narrow, busy = PageBudget(256, 3), PageBudget(128, 3), PageBudget(256, 6)
    for budget in (wide, narrow, busy):
        budget.observe(1, "events", 4_000 * 1_000, 1_000)

    assert narrow.rows(1, "events", 45_000) < wide.rows(1, "events", 45_000)
    assert busy.rows(1, "events", 45_000) < wide.rows(1, "events", 45_000)


def test_given_weights_when_rows_get_heavier_then_at_once_and_lighter_then_gently() -> None:
    budget = PageBudget(256, 3)
    budget.observe(1, "events", 1_000 * 100, 100)
    light = budget.rows(1, "events", 45_000)
    budget.observe(1, "events", 100_000 * 100, 100)
    assert budget.rows(1, "events", 45_000) < light / 50

    budget.observe(1, "events", 1_000 * 100, 100)
    after_one = budget.rows(1, "events", 45_000)
    assert after_one < light
    for _ in range(20):
        budget.observe(1, "events", 1_000 * 100, 100)
    assert budget.rows(1, "events", 45_000) == light


def test_given_weights_then_learned_per_project_and_table() -> None:
    budget = PageBudget(256, 3)
    budget.observe(1, "events", 100 * 45_001, 45_001)

    assert budget.rows(1, "events", 45_000) == 45_000
    assert budget.rows(2, "events", 45_000) < 1_000
    assert budget.rows(1, "persons", 45_000) < 1_000


def test_given_a_row_larger_than_a_page_then_one_row_per_page_and_one_warning() -> None:
    budget = PageBudget(64, 3)
    assert budget.page_bytes is not None
    budget.observe(1, "events", 9 * MB, 2)
    assert budget.rows(1, "events", 45_000) == 1

    assert budget.overshot(9 * MB)
    budget.count_oversized("events", [500, 5 * MB])
    assert budget.ceiling is not None
    budget.count_oversized("events", [int(budget.page_bytes) + 1])  # within the ceiling a page may reach: not counted
    budget.count_oversized("events", [int(budget.ceiling) + 1])
    warning = budget.report("events")

    assert warning is not None
    assert warning.startswith("2 events row(s) were each larger than a page's share of max_memory_mb")
    assert "the largest was 5.0 MB" in warning
    assert budget.report("events") is None  # reported once


def test_given_a_tiny_budget_then_pages_still_hold_a_floor_of_bytes() -> None:
    assert PageBudget(50, 10).page_bytes == MIN_PAGE_BYTES  # 2 MB above the base, shared by 11 pages


def test_given_windows_side_by_side_when_the_first_page_is_out_then_the_others_wait_for_its_weight() -> None:
    budget = PageBudget(256, 3)
    first = budget.rows(1, "events", 45_000)
    answers: list[int] = []
    waiting = threading.Thread(target=lambda: answers.append(budget.rows(1, "events", 45_000)))
    waiting.start()
    waiting.join(0.2)
    assert waiting.is_alive()  # no second small page: it waits for the first one's weight

    budget.observe(1, "events", 419 * (first + 1), first + 1)
    waiting.join(5)
    assert answers == [45_000]


def test_given_the_first_page_failed_then_a_waiting_window_asks_on_its_own() -> None:
    budget = PageBudget(256, 3)
    first = budget.rows(1, "events", 45_000)
    answers: list[int] = []
    waiting = threading.Thread(target=lambda: answers.append(budget.rows(1, "events", 45_000)))
    waiting.start()
    budget.abandon(1, "events")
    waiting.join(5)
    assert answers == [first]


def test_given_a_probe_left_open_by_this_thread_when_asked_again_then_no_wait() -> None:
    """An empty range ends a read without a weight; the same thread's next read of that table must not wait on it
    (a persons read waited 120 s for the distinct-id probe the person_distinct_ids stream had left open)."""
    budget = PageBudget(256, 3)
    first = budget.rows(1, "person_distinct_ids", 45_000)
    answers: list[int] = []
    asker = threading.Thread(target=lambda: answers.append(budget.rows(1, "person_distinct_ids", 45_000)))
    asker.start()
    asker.join(0.2)
    assert asker.is_alive()  # another thread does wait for the open probe
    assert budget.rows(1, "person_distinct_ids", 45_000) == first  # the probing thread itself does not
    budget.abandon(1, "person_distinct_ids")
    asker.join(5)
    assert answers == [first]
