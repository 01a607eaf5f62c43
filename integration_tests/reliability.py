"""Shared checks of the reliability tests (issue 7): completeness against the emulator's truth, request-log
views, and the key-leak scan every failure case runs over all of its output.
"""

from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from integration_tests.helpers import ORIGINAL_STREAMS, Run, catalog_for, config_for, run_connector, write_json
from posthog_emulator import Emulator
from posthog_emulator.server.routes import match


def read(emu: Emulator, folder: Path, streams: tuple[str, ...] = ORIGINAL_STREAMS, **overrides: Any) -> Run:
    """One `read` of `streams` (events incremental, others full refresh) with an optional `state` path."""
    state = overrides.pop("state", None)
    config = write_json(folder, "config.json", config_for(emu.base_url, emu.api_key, **overrides))
    catalog = write_json(folder, "catalog.json", catalog_for(streams))
    return run_connector(["read", "--config", config, "--catalog", catalog, *(["--state", state] if state else [])])


def gaps(records: list[dict[str, Any]], emu: Emulator, stream: str) -> tuple[int, int]:
    """(missing, duplicated) ids of one stream's records against the emulator's truth."""
    delivered = Counter(record["id"] for record in records)
    duplicates = sum(n - 1 for n in delivered.values())
    return len(set(emu.truth(stream, unique=True)) - delivered.keys()), duplicates


def all_gaps(run: Run, emu: Emulator, streams: tuple[str, ...] = ORIGINAL_STREAMS) -> dict[str, tuple[int, int]]:
    """Streams whose records miss or repeat ids, with (missing, duplicated); empty when complete."""
    found = {stream: gaps(run.records(stream), emu, stream) for stream in streams}
    return {stream: pair for stream, pair in found.items() if pair != (0, 0)}


def throttle_class(entry: dict[str, Any]) -> str:
    """The emulator's throttle class of a logged request (crud, clickhouse, persons, query)."""
    found = match(entry["path"])
    assert found is not None, entry["path"]
    return found[0].throttle


def request_key(entry: dict[str, Any]) -> tuple[str, str, str]:
    """What a retry repeats exactly: method, URL and body."""
    return entry["method"], entry["url"], repr(entry["body"])


def assert_no_leak(run: Run, emu: Emulator) -> None:
    """The key is in no byte of stdout or stderr, and every request went to the configured host."""
    # Only the configured key: project records legitimately carry the project's public `phc_` token.
    assert emu.api_key not in run.stdout
    assert emu.api_key not in run.stderr
    assert "Traceback" not in run.stderr
    host = emu.base_url.split("://", 1)[1]
    assert {entry["host"] for entry in emu.requests} <= {host}


def intercept(emu: Emulator, hook: Callable[[Any, Any], Any]) -> None:
    """Run `hook(request, outcome)` on every API answer of this in-process emulator (test-only seam)."""
    handle = emu.app.handle

    def wrapped(req: Any) -> Any:
        return hook(req, handle(req))

    emu.app.handle = wrapped  # type: ignore[method-assign]


def events_by_project(run: Run) -> dict[int, list[dict[str, Any]]]:
    """Delivered event records per project, in delivery order."""
    found: dict[int, list[dict[str, Any]]] = {}
    for record in run.records("events"):
        found.setdefault(record["project_id"], []).append(record)
    return found


def assert_union_complete(runs: list[Run], emu: Emulator, max_redelivered: int) -> int:
    """Every event of the truth is in the union of `runs`; return how many were delivered more than once."""
    delivered = Counter(record["id"] for run in runs for record in run.records("events"))
    assert set(emu.truth("events", unique=True)) <= delivered.keys(), "events missing from the union"
    redelivered = sum(n - 1 for n in delivered.values())
    assert redelivered <= max_redelivered, redelivered
    return redelivered
