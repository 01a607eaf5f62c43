"""Masking of PostHog keys in anything written (redaction.py)."""

from source_posthog.redaction import redact


class TestRedact:
    def test_unregistered_posthog_keys_are_masked_too(self) -> None:
        assert redact("got phx_AbCdEf123456 and phc_XyZ98765432") == "got **** and ****"

    def test_plain_text_is_unchanged(self) -> None:
        assert redact("nothing secret here") == "nothing secret here"
