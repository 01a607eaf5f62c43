"""The six full-refresh streams against the emulator with PostHog's quirks on: 0 missing, 0 duplicates."""

from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from integration_tests.helpers import FULL_REFRESH, Run, catalog_for, config_for, run_connector, write_json
from posthog_emulator import Emulator, EmulatorSettings
from posthog_emulator.common.web import Response
from source_posthog.http.pacing import EndpointClass
from source_posthog.streams.stream import RestSpec
from source_posthog.streams.table import STREAMS_BY_NAME

# Listed per project and not org-wide: each record belongs to the project that listed it.
PER_PROJECT = [
    name
    for name in FULL_REFRESH
    if STREAMS_BY_NAME[name].per_project
    and not (isinstance(STREAMS_BY_NAME[name].read, RestSpec) and STREAMS_BY_NAME[name].read.shared_across_projects)
]
# The original lists paced as CRUD: the class a tiny CRUD rate limit throttles.
CRUD = tuple(name for name in FULL_REFRESH if STREAMS_BY_NAME[name].endpoint_class is EndpointClass.CRUD)
TRANSIENT = ["500", "502", "503", "504", "reset", "truncated"]


def read(emu: Emulator, folder: Path, streams: tuple[str, ...] = FULL_REFRESH, **overrides: Any) -> Run:
    config = write_json(folder, "config.json", config_for(emu.base_url, emu.api_key, **overrides))
    catalog = write_json(folder, "catalog.json", catalog_for(streams))
    return run_connector(["read", "--config", config, "--catalog", catalog])


def gaps(run: Run, emu: Emulator, stream: str) -> tuple[int, int]:
    """(missing, duplicates) of one stream against the emulator's ground truth."""
    delivered = Counter(record["id"] for record in run.records(stream))
    duplicates = sum(n - 1 for n in delivered.values())
    expected = set(emu.truth(stream, unique=True))
    return len(expected - delivered.keys()), duplicates


def per_project_mismatches(run: Run, emu: Emulator, stream: str) -> list[int]:
    """Projects whose records (by their project_id) differ from the truth of that project."""
    got: dict[int, list[Any]] = {}
    for record in run.records(stream):
        got.setdefault(record["project_id"], []).append(record["id"])
    return [pid for pid, ids in emu.truth(stream).items() if sorted(got.get(pid, [])) != ids]


def served(emu: Emulator, path_end: str) -> list[dict[str, Any]]:
    return [entry for entry in emu.requests if entry["path"].rstrip("/").endswith(path_end)]


def intercept(emu: Emulator, hook: Callable[[Any, Any], Any]) -> None:
    """Run `hook(request, outcome)` on every API answer of this in-process emulator (test-only seam)."""
    handle = emu.app.handle

    def wrapped(req: Any) -> Any:
        return hook(req, handle(req))

    emu.app.handle = wrapped  # type: ignore[method-assign]


@pytest.fixture(scope="module")
def quirky_read(emulator: Emulator, tmp_path_factory: pytest.TempPathFactory) -> Run:
    """One read of the six streams from the shared emulator (every quirk on)."""
    emulator.clear_requests()
    run = read(emulator, tmp_path_factory.mktemp("six"))
    assert run.returncode == 0, run.errors
    return run


@pytest.fixture
def many_persons(tmp_path: Path) -> Iterator[Emulator]:
    """One project with 2,300 persons: three persons pages of 1,000, short pages included."""
    emu = Emulator(EmulatorSettings(seed=11, events=200, projects=1, edge_projects=False, persons_per_project=2300))
    yield emu.start()
    emu.stop()


class TestCompleteness:
    @pytest.mark.parametrize("stream", FULL_REFRESH)
    def test_given_quirks_on_when_six_streams_read_then_zero_missing_and_zero_duplicates(
        self, quirky_read: Run, emulator: Emulator, stream: str
    ) -> None:
        assert gaps(quirky_read, emulator, stream) == (0, 0)
        assert quirky_read.counts()[stream] == len(emulator.truth(stream, unique=True))

    @pytest.mark.parametrize("stream", PER_PROJECT)
    def test_given_project_sliced_stream_when_read_then_every_record_carries_its_project_id(
        self, quirky_read: Run, emulator: Emulator, stream: str
    ) -> None:
        assert any(emulator.truth(stream).values())  # some project has records: else nothing is compared
        assert per_project_mismatches(quirky_read, emulator, stream) == []

    def test_given_org_annotations_listed_by_every_project_when_read_then_each_emitted_once(
        self, quirky_read: Run, emulator: Emulator
    ) -> None:
        listed = sum(len(ids) for ids in emulator.truth("annotations").values())
        unique = len(emulator.truth("annotations", unique=True))
        assert listed > unique  # the quirk is on: org-scoped annotations repeat across projects

        assert quirky_read.counts()["annotations"] == unique
        assert any("annotations: dropped" in line for line in quirky_read.logs)

    def test_given_archived_flags_hidden_by_default_when_read_then_second_pass_includes_them(
        self, quirky_read: Run, emulator: Emulator
    ) -> None:
        archived = [f for f in quirky_read.records("feature_flags") if f["archived"]]
        passes = Counter(entry["query"].get("archived") for entry in served(emulator, "/feature_flags"))

        assert archived
        assert passes == {None: len(emulator.project_ids), "true": len(emulator.project_ids)}

    def test_given_unstable_insight_order_when_read_then_basic_and_order_id_requested(
        self, quirky_read: Run, emulator: Emulator
    ) -> None:
        queries = [entry["query"] for entry in served(emulator, "/insights")]

        assert queries
        assert all(q.get("basic") == "true" and q.get("order") == "id" for q in queries)


class TestQuirksNeedingTheirOwnEmulator:
    def test_given_posthog_rejects_order_when_insights_read_then_read_without_it_and_complete(
        self, many_persons: Emulator, tmp_path: Path
    ) -> None:
        def reject_order(req: Any, outcome: Any) -> Any:
            if req.path.rstrip("/").endswith("/insights") and "order" in req.query:
                outcome.response = Response(
                    400,
                    {
                        "type": "validation_error",
                        "code": "invalid_input",
                        "detail": "Unknown ordering: id",
                        "attr": "order",
                    },
                )
            return outcome

        intercept(many_persons, reject_order)
        run = read(many_persons, tmp_path, ("insights",))

        assert run.returncode == 0, run.errors
        assert gaps(run, many_persons, "insights") == (0, 0)
        assert any("reading again without" in line for line in run.logs)

    def test_given_short_persons_pages_with_next_when_read_then_followed_to_the_end(
        self, many_persons: Emulator, tmp_path: Path
    ) -> None:
        many_persons.configure(quirks={"query_api_available": False})  # the /persons/ list: the fallback
        run = read(many_persons, tmp_path, ("persons",))

        assert run.returncode == 0, run.errors
        assert len(served(many_persons, "/persons")) == 3
        assert len(many_persons.truth("persons", unique=True)) < 2300  # unloadable persons shortened pages
        assert gaps(run, many_persons, "persons") == (0, 0)

    def test_given_persons_created_mid_read_when_offsets_shift_then_repeated_persons_dropped(
        self, many_persons: Emulator, tmp_path: Path
    ) -> None:
        many_persons.configure(quirks={"query_api_available": False})  # the /persons/ list: the fallback
        expected = set(many_persons.truth("persons", unique=True))
        people = many_persons.app.rt.dataset.persons[many_persons.project_ids[0]]
        shifted = sum(not person["_unloadable"] for person in people[960:1000])  # page 1's tail, seen again

        def add_newest_after_first_page(req: Any, outcome: Any) -> Any:
            if req.path.rstrip("/").endswith("/persons") and "offset" not in req.query:
                newcomers = [
                    {**people[k], "id": f"{people[k]['id'][:-4]}ffff", "_unloadable": False} for k in range(40)
                ]
                people[:0] = newcomers  # newest first: every later row moves 40 places down
            return outcome

        intercept(many_persons, add_newest_after_first_page)
        run = read(many_persons, tmp_path, ("persons",))

        delivered = Counter(record["id"] for record in run.records("persons"))
        assert run.returncode == 0, run.errors
        assert max(delivered.values()) == 1
        assert expected <= delivered.keys()
        assert any(f"persons: dropped {shifted} repeated" in line for line in run.logs)
        assert shifted > 30

    def test_given_transient_faults_when_read_then_retried_and_still_complete(
        self, many_persons: Emulator, tmp_path: Path
    ) -> None:
        many_persons.configure(faults={"rate": 0.25, "kinds": TRANSIENT, "max_consecutive": 1, "seed": 3})

        run = read(many_persons, tmp_path)

        assert run.returncode == 0, run.errors
        assert any(entry["fault"] for entry in many_persons.requests)
        assert any(line.startswith("Retrying GET") for line in run.logs)
        for stream in FULL_REFRESH:
            assert gaps(run, many_persons, stream) == (0, 0), stream


class TestLinksAndLimits:
    def test_given_next_repeating_current_url_when_read_then_own_offsets_complete_with_one_warning(
        self, many_persons: Emulator, tmp_path: Path
    ) -> None:
        many_persons.configure(
            faults={"queue": ["next_repeat"], "path_contains": "/persons"}, quirks={"query_api_available": False}
        )

        run = read(many_persons, tmp_path, ("persons",))

        assert run.returncode == 0, run.errors
        assert gaps(run, many_persons, "persons") == (0, 0)
        assert len([line for line in run.logs if "posthog#13508" in line]) == 1
        assert served(many_persons, "/persons")[1]["query"].get("offset") not in (None, "0")

    def test_given_next_on_another_host_when_read_then_error_names_host_and_key_never_sent_there(
        self, many_persons: Emulator, tmp_path: Path
    ) -> None:
        many_persons.configure(
            faults={"queue": ["next_foreign"], "path_contains": "/persons"}, quirks={"query_api_available": False}
        )

        run = read(many_persons, tmp_path, ("persons",))

        assert run.returncode == 1
        assert run.errors[0]["failure_type"] == "config_error"
        assert "localhost" in run.errors[0]["message"]
        assert all(entry["host"].startswith("127.0.0.1") for entry in many_persons.requests)
        assert many_persons.api_key not in run.stdout + run.stderr

    @pytest.mark.parametrize("retry_after", [True, False])
    def test_given_tiny_rate_limit_when_read_then_429s_waited_out_and_complete(
        self, many_persons: Emulator, tmp_path: Path, retry_after: bool
    ) -> None:
        tiny = {"burst": 3, "sustained": None, "burst_period_s": 1.0}
        many_persons.configure(limits={"enabled": True, "retry_after": retry_after, "classes": {"crud": tiny}})

        run = read(many_persons, tmp_path, CRUD)

        assert run.returncode == 0, run.errors
        assert any(entry["status"] == 429 for entry in many_persons.requests)
        source = "(Retry-After)" if retry_after else "(backoff)"
        assert any("HTTP 429" in line and source in line for line in run.logs)
        listed = [stream for stream in CRUD if STREAMS_BY_NAME[stream].per_project]
        assert listed
        for stream in listed:
            assert gaps(run, many_persons, stream) == (0, 0), stream
