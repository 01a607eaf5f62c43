"""How a refusal is classified from PostHog's status and detail (http/failures.py)."""

import pytest

from source_posthog.errors import Refusal
from source_posthog.http.failures import classify_refusal
from unit_tests.test_query_client import OLD_INSTANCE_400


class TestClassifyRefusal:
    @pytest.mark.parametrize(
        ("status", "detail", "refusal"),
        [
            (400, OLD_INSTANCE_400["detail"], Refusal.UNKNOWN_FIELDS),
            (400, "Unable to resolve field: x", Refusal.OTHER),
            (404, "Endpoint not found.", Refusal.ENDPOINT_MISSING),
        ],
    )
    def test_given_query_refusal_when_classified_then_unknown_fields_only_for_extra_inputs(
        self, status: int, detail: str, refusal: Refusal
    ) -> None:
        assert classify_refusal(status, detail, None) == (refusal, None)
