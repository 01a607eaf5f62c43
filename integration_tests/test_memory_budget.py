"""Pages sized by bytes under `max_memory_mb` (issue 23), through the CLI against the emulator.

- Fat events (the emulator's realistic weights, a tenth of them 50-300 KB LLM/exception events) under a
  64 MB budget: pages shrink to what the budget holds (a 256 MB budget asks for more rows per page on the same
  data), every event arrives exactly once, and the process stays far below what one unsized page would cost.
- One 3 MB event in a light project, where a page's share of 64 MB is about 2 MB: it goes through, is counted
  in one WARN, nothing is lost or repeated, and a read resumed from the checkpoint before it delivers exactly
  the rest.
"""

import re
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from integration_tests.helpers import Run, catalog_for, config_for, connector_command, parse_messages, write_json
from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.config.weights import Weights

PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "with open(sys.argv[1], 'wb') as out:\n"
    "    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL, check=False).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)
READ: dict[str, Any] = {"events_time_step": 91, "events_lookback_minutes": 0, "max_memory_mb": 64}
LIMIT = re.compile(r"LIMIT (\d+)\s*$")
FAT_BYTES = 3_000_000
# 3,000 events of ~20 KB on average: ~60 MB of response in one page if pages were sized in rows; with the budget,
# pages of ~2 MB. The interpreter alone is ~45 MB.
FAT_EVENTS_PEAK_MIB = 120


@pytest.fixture(scope="module")
def fat() -> Iterator[Emulator]:
    """One project of 3,000 realistic events, a tenth of them 50-300 KB."""
    weights = Weights(realistic=True, heavy_fraction=0.1, heavy_kb=(50, 300))
    settings = EmulatorSettings(seed=23, events=3_000, projects=1, edge_projects=False, weights=weights)
    emulator = Emulator(settings).start()
    yield emulator
    emulator.stop()


def measured_read(emu: Emulator, folder: Path, state: Any = None, **overrides: Any) -> tuple[Run, float]:
    """An incremental events read (from `state`, if any) and the CLI's peak RSS in MiB."""
    config = write_json(folder, "config.json", config_for(emu.base_url, emu.api_key, **(READ | overrides)))
    catalog = write_json(folder, "catalog.json", catalog_for(["events"]))
    extra = ["--state", write_json(folder, "state.json", state)] if state is not None else []
    out = folder / "stdout.jsonl"
    cli = [*connector_command(), "read", "--config", config, "--catalog", catalog, *extra]
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(out), *cli], capture_output=True, text=True, timeout=300, check=True
    )
    peak_kib, code = (int(word) for word in done.stdout.split())
    stdout = out.read_text()
    return Run(code, stdout, "", parse_messages(stdout)), peak_kib / 1024


def page_limits(emu: Emulator) -> list[int]:
    """The LIMIT of every events page query logged since the last clear, in order."""
    sql = [entry["body"]["query"]["query"] for entry in emu.requests if entry["path"].endswith("/query/")]
    return [int(match.group(1)) for text in sql if "ORDER BY timestamp" in text and (match := LIMIT.search(text))]


def ids(run: Run) -> list[str]:
    return [record["id"] for record in run.records("events")]


def test_given_fat_events_and_a_small_budget_when_read_then_pages_shrink_and_every_event_arrives_once(
    fat: Emulator, tmp_path: Path
) -> None:
    fat.clear_requests()
    run, peak_mib = measured_read(fat, tmp_path)
    small_pages = page_limits(fat)
    fat.clear_requests()
    wide, _ = measured_read(fat, tmp_path, max_memory_mb=256)
    wide_pages = page_limits(fat)

    assert run.returncode == 0, run.errors
    truth = sorted(fat.truth("events")[101])
    assert len(ids(run)) == len(set(ids(run))) == len(truth)
    assert sorted(ids(run)) == truth
    assert sorted(ids(wide)) == truth
    assert small_pages
    assert max(small_pages) <= 200, small_pages  # ~2 MB pages of ~20 KB events
    assert max(wide_pages) > 2 * max(small_pages)  # the same data under a larger budget: larger pages
    assert peak_mib < FAT_EVENTS_PEAK_MIB


def test_given_one_multi_megabyte_event_when_read_then_it_arrives_once_with_one_warning_and_resume_works(
    tmp_path: Path,
) -> None:
    emu = Emulator(EmulatorSettings(seed=24, events=2_000, projects=1, edge_projects=False)).start()
    try:
        when = datetime.now(UTC) - timedelta(days=100)
        (fat_id,) = emu.append_events(101, [{"timestamp": when, "properties": {"$ai_input": "x" * FAT_BYTES}}])
        first, _ = measured_read(emu, tmp_path)
        truth = sorted(emu.truth("events")[101])

        assert first.returncode == 0, first.errors
        assert sorted(ids(first)) == truth
        assert len(ids(first)) == len(truth)
        warnings = [log for log in first.logs if "larger than a page's share of max_memory_mb" in log]
        assert len(warnings) == 1, first.logs
        assert warnings[0].startswith("1 events row(s)")

        checkpoint, rest = state_before(first, fat_id)
        resumed, _ = measured_read(emu, tmp_path, state=[checkpoint])
        assert resumed.returncode == 0, resumed.errors
        assert ids(resumed) == rest  # exactly after the checkpoint: the fat event once, nothing before it again
        assert fat_id in rest
    finally:
        emu.stop()


def state_before(run: Run, event_id: str) -> tuple[dict[str, Any], list[str]]:
    """The last events STATE printed before the record of `event_id`, and the event ids printed after it."""
    latest: dict[str, Any] | None = None
    after: list[str] = []
    for message in run.messages:
        if message["type"] == "STATE" and event_id not in after:
            latest, after = message["state"], []
        elif message["type"] == "RECORD" and message["record"]["stream"] == "events":
            after.append(message["record"]["data"]["id"])
    assert latest is not None
    return latest, after
