"""http/body_cut.py and read_body's ceiling: a body past its ceiling is abandoned, its complete rows counted."""

import threading

import orjson
import pytest

from source_posthog.http.body_cut import BodyCutError, Ceiling, row_sizes
from source_posthog.http.responses import BODY_CHUNK_BYTES, read_body
from unit_tests.fakes import streamed

ROWS = [["a", '{"x": "[1, 2]"}', 1], ['b\\"]]', "{}", None], ["c", "x" * 50, 2.5]]
BODY = orjson.dumps({"columns": ["u", "p", "n"], "results": ROWS, "types": [["u", "String"]]})


def complete_rows(prefix: bytes) -> int:
    return row_sizes(prefix)[1]


class TestRowSizes:
    def test_given_a_whole_body_when_counted_then_every_row_and_its_bytes(self) -> None:
        assert row_sizes(BODY) == ([len(orjson.dumps(row)) for row in ROWS], len(ROWS))

    @pytest.mark.parametrize("rows", [0, 1, 2])
    def test_given_a_prefix_ending_in_a_row_when_counted_then_the_rows_before_it_and_the_cut_ones_bytes(
        self, rows: int
    ) -> None:
        at = BODY.index(orjson.dumps(ROWS[rows]))
        end = at + len(orjson.dumps(ROWS[rows])) - 3  # inside the row

        sizes, complete = row_sizes(BODY[:end])

        assert complete == rows
        assert sizes == [len(orjson.dumps(row)) for row in ROWS[:rows]] + [end - at]

    def test_given_brackets_and_the_key_inside_strings_when_counted_then_they_are_text(self) -> None:
        body = orjson.dumps({"name": "results", "note": '"results": [[1], [2]', "results": [{"a": "]]"}, {"b": 1}]})

        assert complete_rows(body) == 2
        assert complete_rows(body[: body.index(b'{"b"') + 2]) == 1

    def test_given_a_rest_list_when_counted_then_its_objects_are_rows(self) -> None:
        body = orjson.dumps({"count": 3, "next": None, "results": [{"id": 1}, {"id": 2}, {"id": 3}]})

        assert complete_rows(body[:-10]) == 2

    def test_given_no_results_yet_when_counted_then_zero(self) -> None:
        assert complete_rows(b'{"columns": ["u"], "res') == 0


class TestCeiling:
    def test_given_a_body_over_the_ceiling_when_read_then_abandoned_with_the_rows_that_fitted(self) -> None:
        rows = [["r", "x" * 1000] for _ in range(3000)]
        body = orjson.dumps({"results": rows})
        with pytest.raises(BodyCutError) as cut:
            read_body(streamed(body, {"Content-Length": str(len(body))}), ceiling=BODY_CHUNK_BYTES)

        assert BODY_CHUNK_BYTES < cut.value.read <= 2 * BODY_CHUNK_BYTES
        assert 0 < cut.value.complete < len(rows)
        assert cut.value.complete * 1009 < cut.value.read
        assert len(cut.value.sizes) == cut.value.complete + 1  # the row the cut fell in, as far as it came

    @pytest.mark.parametrize("headers", [{}, {"Content-Length": str(len(BODY))}], ids=["chunked", "declared"])
    def test_given_a_body_under_the_ceiling_when_read_then_whole(self, headers: dict[str, str]) -> None:
        assert bytes(read_body(streamed(BODY, headers), ceiling=len(BODY))) == BODY

    def test_given_a_ceiling_set_on_one_thread_when_another_asks_then_it_has_none(self) -> None:
        ceiling, seen = Ceiling(), []
        with ceiling.at(1000):
            worker = threading.Thread(target=lambda: seen.append(ceiling.get()))
            worker.start()
            worker.join()
            assert ceiling.get() == 1000
        assert seen == [None]
        assert ceiling.get() is None


class TestRetry:
    @pytest.mark.parametrize(
        ("sizes", "complete", "expected"),
        [
            ([10, 10, 500], 2, (2, True)),  # the rows before the heavy one, then it alone
            ([500], 0, (1, False)),  # the heavy row first: alone now
            ([10, 500, 10, 10], 3, (1, True)),  # a heavy complete row: only the rows before it
            ([10, 10, 10, 50], 3, (3, False)),  # no heavy row: the page merely ran over
            ([10, 10, 10, 10, 500], 4, (4, True)),  # the heavy row is the extra one: the page, then it alone
        ],
    )
    def test_given_a_cut_when_asked_again_then_the_rows_before_the_heavy_one(
        self, sizes: list[int], complete: int, expected: tuple[int, bool]
    ) -> None:
        assert BodyCutError(sum(sizes), sizes, complete).retry(100, 4) == expected


def test_given_a_cut_body_then_the_first_row_over_the_share_is_found() -> None:
    assert BodyCutError(900, [100, 100, 5_000, 200], 3).first_heavy(1_000) == 2
    assert BodyCutError(900, [600, 600], 1).first_heavy(1_000) is None
