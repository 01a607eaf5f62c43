"""Every stream through the CLI on each kind of PostHog the emulator plays (issue 22, item 7): current Cloud,
self-hosted without EE (no experiments/ or groups_types/), and self-hosted from before mid-2024 (10,000-row
HogQL cap, `modifiers` and `order_direction` refused). Each stream the instance has is complete and unique
against the emulator's truth; the two it lacks deliver nothing, and the read exits 0.

Keys are compared across projects as the connector writes them: org-scoped annotations are listed by every
project but delivered once, so the expectation is the union of each project's truth.
"""

from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from integration_tests.conftest import Workspace
from integration_tests.helpers import ALL_STREAMS, EE_ONLY, Run
from posthog_emulator import Emulator, EmulatorSettings
from source_posthog.streams.table import STREAMS_BY_NAME

PROFILES = ("cloud", "foss", "old")


@pytest.fixture(scope="module", params=PROFILES)
def profile_read(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Run, Emulator]]:
    """One read of every stream from a small emulator of the given profile."""
    emulator = Emulator(
        EmulatorSettings(seed=23, events=3_000, projects=2, span_days=30, profile=request.param)
    ).start()
    run = Workspace(Path(tmp_path_factory.mktemp(request.param)), emulator).read(ALL_STREAMS)
    yield run, emulator
    emulator.stop()


def expected_keys(stream: str, emulator: Emulator) -> set[tuple[Any, ...]]:
    """The truth as primary-key tuples; the truth leaves out the project, so it is put back where keyed on."""
    key = STREAMS_BY_NAME[stream].primary_key
    per_project = {
        project: [tuple(one) if isinstance(one, list) else (one,) for one in keys]
        for project, keys in emulator.truth(stream).items()
    }
    if "project_id" in key:
        return {(int(project), *one) for project, keys in per_project.items() for one in keys}
    return {one for keys in per_project.values() for one in keys}


def test_given_each_profile_when_every_stream_read_then_exit_zero_without_errors(
    profile_read: tuple[Run, Emulator],
) -> None:
    run, _emulator = profile_read
    assert run.returncode == 0, run.errors
    assert run.errors == []


@pytest.mark.parametrize("stream", ALL_STREAMS)
def test_given_each_profile_when_every_stream_read_then_each_complete_and_unique(
    profile_read: tuple[Run, Emulator], stream: str
) -> None:
    run, emulator = profile_read
    key = STREAMS_BY_NAME[stream].primary_key
    delivered = [tuple(record[name] for name in key) for record in run.records(stream)]
    repeated = [k for k, n in Counter(delivered).items() if n > 1]

    assert not repeated, f"{stream}: {len(repeated)} keys delivered more than once, e.g. {repeated[:3]}"
    assert set(delivered) == expected_keys(stream, emulator), f"{stream}: {len(delivered)} delivered"
    if stream in EE_ONLY and emulator.settings.profile == "foss":
        assert delivered == []
    else:
        assert delivered, f"{stream}: the emulator has records, so an empty read proves nothing"
