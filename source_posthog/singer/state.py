"""Singer state (`{"bookmarks": {stream: stream_state}}`) ↔ the per-stream states the readers resume from.

A bookmark is exactly the stream state the Airbyte mode saves, so converting an Airbyte state is only a change
of envelope:

    python -m source_posthog.singer.state from-airbyte airbyte_state.json > singer_state.json

reads any state file `source-posthog read --state` accepts and prints the Singer state for `tap-posthog --state`;
with `--meltano` it prints it as `meltano state set` takes it (`{"singer_state": {"bookmarks": ...}}`).
"""

import sys
from collections.abc import Sequence
from typing import Any

import orjson

from source_posthog.airbyte.state import parse_state as parse_airbyte_state
from source_posthog.config.file import read_json_file
from source_posthog.errors import ConfigError, ConnectorError
from source_posthog.streams.readers import check_states

USAGE = "usage: python -m source_posthog.singer.state from-airbyte [--meltano] AIRBYTE_STATE.json"


def load_state(path: str | None) -> dict[str, Any]:
    """Read a Singer state file into {stream name: stream_state}; no file means no state."""
    if path is None:
        return {}
    return parse_state(read_json_file(path, "state"))


def parse_state(raw: Any) -> dict[str, Any]:
    """Accept `{"bookmarks": {...}}`, a STATE message `{"type": "STATE", "value": {...}}`, or `{}`."""
    if raw in (None, {}):
        return {}
    if isinstance(raw, dict) and raw.get("type") == "STATE":
        raw = raw.get("value")
    bookmarks = raw.get("bookmarks", {}) if isinstance(raw, dict) else None
    if not isinstance(bookmarks, dict) or not all(isinstance(value, dict) for value in bookmarks.values()):
        raise ConfigError('The Singer state must be an object {"bookmarks": {stream: {...}}}.')
    check_states(bookmarks)  # a malformed cursor fails now, before any request
    return dict(bookmarks)


def to_singer(states: dict[str, Any]) -> dict[str, Any]:
    """{stream: stream_state} as a Singer state."""
    return {"bookmarks": states}


def from_airbyte(raw: Any) -> dict[str, Any]:
    """Any Airbyte state the Airbyte mode accepts, as a Singer state."""
    return to_singer(parse_airbyte_state(raw))


def main(argv: Sequence[str] | None = None) -> int:
    """`from-airbyte [--meltano] FILE`: print the Singer state of an Airbyte state file."""
    args = list(sys.argv[1:] if argv is None else argv)
    meltano = "--meltano" in args
    args = [arg for arg in args if arg != "--meltano"]
    if len(args) != 2 or args[0] != "from-airbyte":
        sys.stderr.write(USAGE + "\n")
        return 2
    try:
        converted = from_airbyte(read_json_file(args[1], "state"))
        check_states(converted["bookmarks"])
    except ConnectorError as error:
        sys.stderr.write(f"CRITICAL {error.message}\n")
        return 1
    sys.stdout.write(orjson.dumps({"singer_state": converted} if meltano else converted).decode() + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
