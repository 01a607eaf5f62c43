"""Memory under faults (issue 7.6): retries hold no extra pages, so peak RSS is the same with faults on or off.

Each read runs in a fresh wrapper process that waits for the CLI and prints the CLI's peak RSS
(`getrusage(RUSAGE_CHILDREN).ru_maxrss`, KiB on Linux). A child's ru_maxrss also counts what it inherited
before exec, so the wrapper is a bare interpreter (~10 MiB), not pytest with the emulator's data.
stdout goes to a file, so no pipe buffer fills while the connector runs. The same data is read clean, then
with seeded 5xx, resets and truncated bodies; the connector keeps one page at a time (plus the per-project
set of person keys), so both peaks sit near the interpreter's own footprint.
"""

import json
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration_tests.helpers import Run, catalog_for, config_for, connector_command, parse_messages, write_json
from integration_tests.reliability import all_gaps, assert_no_leak
from posthog_emulator import Emulator, EmulatorSettings

PEAK_RSS = (
    "import resource, subprocess, sys\n"
    "with open(sys.argv[1], 'wb') as out:\n"
    "    code = subprocess.run(sys.argv[2:], stdout=out, stderr=subprocess.DEVNULL, check=False).returncode\n"
    "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, code)\n"
)
READ: dict[str, Any] = {"events_time_step": 91, "events_page_size": 5_000}
LIMIT_MIB = 200  # interpreter + pydantic + requests + one 5,000-event page, with room to spare
FAULT_ALLOWANCE_MIB = 10  # a retried page is dropped before the next attempt: no growth beyond noise


@pytest.fixture
def emu() -> Iterator[Emulator]:
    """Two projects (plus the empty and one-event ones), 20,000 events, 300 persons each."""
    emulator = Emulator(EmulatorSettings(seed=51, events=20_000, projects=2)).start()
    yield emulator
    emulator.stop()


def measured_read(emu: Emulator, folder: Path) -> tuple[Run, float]:
    """A full read and the CLI's peak RSS in MiB."""
    config = write_json(folder, "config.json", config_for(emu.base_url, emu.api_key, **READ))
    catalog = write_json(folder, "catalog.json", catalog_for())
    out = folder / "stdout.jsonl"
    cli = [*connector_command(), "read", "--config", config, "--catalog", catalog]
    done = subprocess.run(
        [sys.executable, "-c", PEAK_RSS, str(out), *cli], capture_output=True, text=True, timeout=120, check=True
    )
    peak_kib, code = (int(word) for word in done.stdout.split())
    stdout = out.read_text()
    return Run(code, stdout, "", parse_messages(stdout)), peak_kib / 1024


def test_given_faults_and_retries_when_full_read_then_peak_rss_as_without_and_bounded(
    emu: Emulator, tmp_path: Path
) -> None:
    clean, clean_mib = measured_read(emu, tmp_path)
    emu.configure(faults={"rate": 0.1, "kinds": ("500", "503", "reset", "truncated"), "max_consecutive": 2})
    faulty, faulty_mib = measured_read(emu, tmp_path)

    faults = sum(1 for entry in emu.requests if entry["fault"])
    print(json.dumps({"clean_mib": round(clean_mib, 1), "faulty_mib": round(faulty_mib, 1), "faults": faults}))
    assert clean.returncode == 0, clean.errors
    assert faulty.returncode == 0, faulty.errors
    assert all_gaps(faulty, emu) == {}
    assert faults > 0
    assert faulty_mib <= clean_mib + FAULT_ALLOWANCE_MIB
    assert max(clean_mib, faulty_mib) < LIMIT_MIB
    assert_no_leak(faulty, emu)
