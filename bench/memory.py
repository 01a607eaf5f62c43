"""Peak memory of a sync with realistic row weights (issue 23): the connector's whole process tree, per scenario.

Each scenario starts its own emulator (a separate process, `--realistic-weights`: 2-4 KB events with ~100
properties; `--heavy-events F --heavy-kb 150`: that share of 150 KB `$ai_generation`/`$exception` events;
`--person-kb 20`: persons with 20 KB of properties) and runs `source-posthog read` of one stream, full refresh,
3 queries in flight, stdout piped to this script, which counts the records and their distinct ids (every
row must arrive once). Peak RSS is the largest sum over the connector's process tree, sampled every 50 ms
(bench/measure.py). `--previous PATH` runs another build's `source-posthog` on the same scenarios.

    .venv/bin/python bench/memory.py                       # the issue's table at full size (1M / 3M; long)
    .venv/bin/python bench/memory.py --scale 0.1           # every size x 0.1 (a quick check)
    .venv/bin/python bench/memory.py --only llm,persons    # some scenarios
"""

import argparse
import os
import subprocess
import threading
import time
from dataclasses import dataclass
from typing import IO, Any

import orjson
import psutil
from emulator import PYTHON, ROOT, Emulator
from measure import SAMPLE_EVERY_S, _tree_rss

RESULTS = ROOT / "bench" / "results"
OURS = ROOT / ".venv" / "bin" / "source-posthog"
ID_MARK = b'"id":"'


@dataclass(frozen=True)
class Scenario:
    """One row of the table: the data, the stream and the connector settings."""

    key: str
    label: str
    rows: int
    stream: str = "events"
    flags: tuple[str, ...] = ("--realistic-weights",)
    config: tuple[tuple[str, Any], ...] = ()
    bound_mb: int = 256


SCENARIOS = (
    Scenario("ordinary", "1M ordinary events (2-4 KB)", 1_000_000),
    Scenario("llm", "1M events, 5% 150 KB LLM/exception", 1_000_000, flags=("--realistic-weights",
             "--heavy-events", "0.05", "--heavy-kb", "150")),
    Scenario("small", "1M ordinary, max_memory_mb 128", 1_000_000, config=(("max_memory_mb", 128),), bound_mb=128),
    Scenario("3m", "3M ordinary events (flatness)", 3_000_000),
    Scenario("persons", "1M persons, 20 KB properties", 1_000_000, stream="persons", flags=("--person-kb", "20")),
)  # fmt: skip


def start_emulator(scenario: Scenario, rows: int) -> Emulator:
    """An emulator holding the scenario's data on a free port (one regular project, no edge projects)."""
    events = rows if scenario.stream == "events" else 1000
    persons = rows if scenario.stream == "persons" else 300
    command = [str(PYTHON), "-m", "posthog_emulator", "--port", "0", "--projects", "1", "--no-edge-projects"]
    command += ["--events", str(events), "--persons-per-project", str(persons), "--span-days", "60"]
    process = subprocess.Popen([*command, *scenario.flags], cwd=ROOT, stdout=subprocess.PIPE)
    assert process.stdout is not None
    ready = orjson.loads(process.stdout.readline())
    return Emulator(ready["base_url"], ready["api_key"], process)


def read_command(scenario: Scenario, emulator: Emulator, executable: str, name: str) -> list[str]:
    config: dict[str, Any] = {"api_key": emulator.api_key, "base_url": emulator.base_url}
    config |= {"start_date": "2020-01-01T00:00:00Z", **dict(scenario.config)}
    stream = {"name": scenario.stream, "json_schema": {}, "supported_sync_modes": ["full_refresh"]}
    catalog = {"streams": [{"stream": stream, "sync_mode": "full_refresh", "destination_sync_mode": "overwrite"}]}
    for file, content in (("config", config), ("catalog", catalog)):
        (RESULTS / f"memory-{name}-{file}.json").write_bytes(orjson.dumps(content))
    files = ["--config", str(RESULTS / f"memory-{name}-config.json")]
    return [executable, "read", *files, "--catalog", str(RESULTS / f"memory-{name}-catalog.json")]


@dataclass
class Counted:
    """What came out of a run: RECORD lines, distinct ids, WARN lines."""

    records: int = 0
    ids: int = 0
    warnings: int = 0


def count_output(stdout: IO[bytes], stream: str, counted: Counted) -> None:
    """Count the stream's records and distinct ids from the connector's stdout, without parsing whole lines."""
    seen: set[bytes] = set()
    marker = f'"stream":"{stream}"'.encode()
    for line in stdout:
        head = line[:200]
        if b'"RECORD"' in head and marker in head and (at := head.find(ID_MARK)) >= 0:
            counted.records += 1
            seen.add(head[at + 6 : head.index(b'"', at + 6)])
        elif b'"WARN"' in head:
            counted.warnings += 1
    counted.ids = len(seen)


def run(command: list[str], stream: str, log_name: str) -> dict[str, Any]:
    """Run the read with stdout piped to the counter; peak RSS of its process tree, wall time."""
    with (RESULTS / f"memory-{log_name}.log").open("wb") as err:
        started = time.perf_counter()
        child = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=err, bufsize=1 << 20)
        assert child.stdout is not None
        counted = Counted()
        counter = threading.Thread(target=count_output, args=(child.stdout, stream, counted))
        counter.start()
        done, samples = threading.Event(), list[int]()
        sampler = threading.Thread(target=sample_rss, args=(psutil.Process(child.pid), done, samples))
        sampler.start()
        counter.join()
        code = child.wait()
        wall = time.perf_counter() - started
        done.set()
        sampler.join()
    peak = max(samples, default=0)
    return {"wall_s": wall, "rss_mb": peak / 2**20, "fifths": fifths(samples), "exit": code, **counted.__dict__}


def sample_rss(process: psutil.Process, done: threading.Event, samples: list[int]) -> None:
    """The process tree's RSS every SAMPLE_EVERY_S until `done`: the peak, and whether it creeps along the run."""
    while not done.is_set():
        try:
            samples.append(_tree_rss(process))
        except psutil.Error:
            return
        done.wait(SAMPLE_EVERY_S)


def fifths(samples: list[int]) -> str:
    """The peak RSS (MB) of each fifth of the run: rising fifths mean memory grows with the data read."""
    size = max(1, len(samples) // 5)
    return "/".join(f"{max(samples[i : i + size]) / 2**20:.0f}" for i in range(0, size * 5, size) if samples[i:])


def measure(scenario: Scenario, rows: int, builds: dict[str, str]) -> list[dict[str, Any]]:
    """Every build on one emulator of the scenario's data, with its /query/ request count."""
    emulator = start_emulator(scenario, rows)
    results = []
    try:
        for build, executable in builds.items():
            emulator.clear_request_log()
            name = f"{scenario.key}-{build}"
            row = run(read_command(scenario, emulator, executable, name), scenario.stream, name)
            queries = sum(entry["path"].endswith("/query/") for entry in emulator.request_log())
            results.append({"scenario": scenario, "rows": rows, "build": build, "queries": queries, **row})
            print(line(results[-1]), flush=True)
    finally:
        emulator.process.terminate()
        emulator.process.wait(timeout=60)
    return results


LINE = "{:<38} {:>10} {:<9} {:>8} {:>8} {:>7} {:>8} {:>12} {:>5} {:>6}  {}"
HEADER = (
    "scenario",
    "rows",
    "build",
    "peak MB",
    "bound",
    "wall s",
    "queries",
    "records/ids",
    "WARN",
    "exit",
    "peak by fifth",
)


def line(result: dict[str, Any]) -> str:
    scenario: Scenario = result["scenario"]
    once = "once" if result["records"] == result["ids"] == result["rows"] else f"{result['records']}/{result['ids']}"
    cells = [scenario.label, f"{result['rows']:,}", result["build"], f"{result['rss_mb']:.0f}"]
    cells += [f"<= {scenario.bound_mb}", f"{result['wall_s']:.1f}", result["queries"], once]
    return LINE.format(*cells, result["warnings"], result["exit"], result["fifths"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", type=float, default=1.0, help="multiplies every scenario's rows")
    parser.add_argument("--only", default=",".join(s.key for s in SCENARIOS), help="scenario keys, comma-separated")
    parser.add_argument("--previous", help="another build's source-posthog executable, run on the same data")
    args = parser.parse_args()
    RESULTS.mkdir(parents=True, exist_ok=True)
    builds = {"this": str(OURS)} | ({"previous": args.previous} if args.previous else {})
    print(f"{os.cpu_count()} cores; 3 queries in flight; stdout piped and counted", flush=True)
    print(LINE.format(*HEADER), flush=True)
    chosen = [s for s in SCENARIOS if s.key in args.only.split(",")]
    for scenario in chosen:
        measure(scenario, max(1, int(scenario.rows * args.scale)), builds)


if __name__ == "__main__":
    main()
