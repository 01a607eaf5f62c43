"""1,000,000 events build in well under a minute; a 50,000-row /query/ page takes well under a second."""

import pytest

from posthog_emulator.perf import measure


@pytest.mark.slow
def test_given_a_million_events_when_built_and_paged_then_fast_and_small() -> None:
    figures = measure(1_000_000)
    assert figures["build_s"] < 60
    assert figures["page_rows"] == 50_000
    assert figures["keyset_page_s"] < 2.0  # ~0.6 s on an idle 2-core box; headroom for a busy CI
    assert figures["peak_rss_mb"] < 1024
