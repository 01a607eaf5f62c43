"""Summarise connector output for the quick start: one line per message kind, or a per-stream table.

`brief` reads messages on stdin. `read OUTPUT EMULATOR_JSON START END` compares the records of a
read with the emulator's ground truth (GET /_emulator/truth) per stream and per project.
"""

import json
import sys
import urllib.request
from collections import Counter, defaultdict
from typing import Any

from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME


def brief() -> None:
    """Print one line per SPEC, CONNECTION_STATUS, CATALOG or ERROR message read from stdin."""
    for line in sys.stdin:
        message = json.loads(line)
        kind = message["type"]
        if kind == "SPEC":
            fields = message["spec"]["connectionSpecification"]["properties"]
            print(f"SPEC with fields: {', '.join(fields)}")
        elif kind == "CONNECTION_STATUS":
            status = message["connectionStatus"]
            print(f"CONNECTION_STATUS {status['status']}: {status.get('message', '')}")
        elif kind == "CATALOG":
            print(f"CATALOG: {', '.join(s['name'] for s in message['catalog']['streams'])}")
        elif kind == "TRACE" and message["trace"]["type"] == "ERROR":
            print(f"ERROR: {message['trace']['error']['message']}")


def truth(admin: str, stream: str) -> dict[str, list[Any]]:
    """The emulator's ids per project for `stream`."""
    with urllib.request.urlopen(f"{admin}/truth?stream={stream}") as response:  # noqa: S310 - loopback only
        body: dict[str, list[Any]] = json.load(response)
    return body


def expected_keys(key: tuple[str, ...], per_project: dict[str, list[Any]]) -> set[tuple[Any, ...]]:
    """The emulator's truth as primary-key tuples (its keys leave out the project they are in)."""
    as_tuple = {
        project: [tuple(one) if isinstance(one, list) else (one,) for one in keys]
        for project, keys in per_project.items()
    }
    if "project_id" in key:
        return {(int(project), *one) for project, keys in as_tuple.items() for one in keys}
    return {one for keys in as_tuple.values() for one in keys}


def read(output: str, emulator_file: str, start: str, end: str) -> None:
    """Print delivered / expected per stream and per project."""
    with open(emulator_file) as file:
        admin = json.load(file)["admin"]
    ids: dict[str, list[Any]] = defaultdict(list)
    events_per_project: Counter[int] = Counter()
    errors = []
    with open(output) as lines:
        messages = [json.loads(line) for line in lines]
    for message in messages:
        if message["type"] == "RECORD":
            record = message["record"]
            key = STREAMS_BY_NAME[record["stream"]].primary_key
            ids[record["stream"]].append(tuple(record["data"][name] for name in key))
            if record["stream"] == "events":
                events_per_project[record["data"]["project_id"]] += 1
        elif message["type"] == "TRACE" and message["trace"]["type"] == "ERROR":
            errors.append(message["trace"]["error"]["message"])
    seconds = float(end) - float(start)
    print(f"{'stream':<22}{'delivered':>10}{'unique':>10}{'expected':>10}{'missing':>9}{'duplicates':>12}")
    for stream in STREAMS:
        expected = expected_keys(stream.primary_key, truth(admin, stream.name))
        got = ids.get(stream.name, [])
        print(
            f"{stream.name:<22}{len(got):>10}{len(set(got)):>10}{len(expected):>10}"
            f"{len(expected - set(got)):>9}{len(got) - len(set(got)):>12}"
        )
    events_truth = truth(admin, "events")
    for project, expected_ids in sorted(events_truth.items(), key=lambda item: int(item[0])):
        print(
            f"  events of project {project}: {events_per_project[int(project)]} delivered / "
            f"{len(expected_ids)} expected"
        )
    total = sum(len(v) for v in ids.values())
    print(f"{total} records in {seconds:.1f} s ({total / max(seconds, 1e-9):,.0f} records/s).")
    for error in errors:
        print(f"ERROR: {error}")


if __name__ == "__main__":
    if sys.argv[1] == "brief":
        brief()
    else:
        read(*sys.argv[2:6])
