"""1,000,000 events build in well under a minute; a 50,000-row /query/ page takes well under a second.

Measured in a fresh process: its peak RSS is the emulator's own, not the test session's (getrusage's peak
covers every test run before in the same process, some of which hold emulators of 450,000 events).
"""

import subprocess
import sys

import orjson
import pytest


@pytest.mark.slow
def test_given_a_million_events_when_built_and_paged_then_fast_and_small() -> None:
    run = subprocess.run(
        [sys.executable, "-m", "posthog_emulator.perf", "1000000"], capture_output=True, check=True, timeout=300
    )
    figures = orjson.loads(run.stdout)
    assert figures["build_s"] < 60
    assert figures["page_rows"] == 50_000
    assert figures["keyset_page_s"] < 2.0  # ~0.6 s on an idle 2-core box; headroom for a busy CI
    assert figures["peak_rss_mb"] < 1024
