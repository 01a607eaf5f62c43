"""http/responses.py: each status classified; read_response reads a streamed body once, into a buffer of its
declared size; a cut body is retried."""

import pytest

from source_posthog.http.responses import Outcome, classify, read_body, read_response
from source_posthog.http.retry import RetryableError
from unit_tests.fakes import streamed

BODY = b'{"columns": ["uuid"], "results": [["a"], ["b"]]}'


class TestReadBody:
    def test_given_a_content_length_when_read_then_one_buffer_of_that_size_holds_the_body(self) -> None:
        body = read_body(streamed(BODY, {"Content-Length": str(len(BODY))}))

        assert isinstance(body, bytearray)
        assert body == BODY

    @pytest.mark.parametrize(
        "headers",
        [{}, {"Content-Length": "x"}, {"Content-Length": str(len(BODY)), "Content-Encoding": "gzip"}],
        ids=["no length", "bad length", "compressed"],
    )
    def test_given_no_usable_length_when_read_then_the_whole_body_is_returned(self, headers: dict[str, str]) -> None:
        response = streamed(BODY, headers)
        response.raw.headers.pop("Content-Encoding", None)  # the fake body is not really gzip

        assert read_body(response) == BODY


class TestReadResponse:
    def test_given_a_streamed_page_when_read_then_it_is_parsed(self) -> None:
        page = read_response(streamed(BODY, {"Content-Length": str(len(BODY))}))

        assert page == {"columns": ["uuid"], "results": [["a"], ["b"]]}

    def test_given_a_body_cut_before_its_content_length_when_read_then_the_request_is_retried(self) -> None:
        response = streamed(BODY[:20], {"Content-Length": str(len(BODY))})

        with pytest.raises(RetryableError, match="connection broke while reading the body"):
            read_response(response)


class TestClassify:
    @pytest.mark.parametrize(
        ("status", "outcome"),
        [
            (200, Outcome.SUCCESS),
            (201, Outcome.SUCCESS),
            (202, Outcome.SUCCESS),
            (301, Outcome.REDIRECT),
            (302, Outcome.REDIRECT),
            (307, Outcome.REDIRECT),
            (308, Outcome.REDIRECT),
            (400, Outcome.FATAL),
            (401, Outcome.FATAL),
            (403, Outcome.FATAL),
            (404, Outcome.FATAL),
            (405, Outcome.FATAL),
            (409, Outcome.FATAL),
            (422, Outcome.FATAL),
            (429, Outcome.RETRY),
            (500, Outcome.RETRY),
            (501, Outcome.FATAL),
            (502, Outcome.RETRY),
            (503, Outcome.RETRY),
            (504, Outcome.RETRY),
            (512, Outcome.FATAL),  # PostHog's "estimated query execution time is too long": retrying won't help
        ],
    )
    def test_given_status_when_classified_then_outcome_matches_table(self, status: int, outcome: Outcome) -> None:
        assert classify(status) is outcome
