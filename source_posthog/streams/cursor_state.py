"""The per-project cursor state every incremental reader but events keeps: `{"<project_id>": {"<field>": T}}`.

One project's cursor never moves another's, so a project added later starts from scratch while the others
resume; events keep a richer state (a keyset position, the filter) in events/cursors.py.
"""

from datetime import datetime
from typing import Any

from source_posthog.errors import ConfigError
from source_posthog.streams.stream import AnyStream
from source_posthog.streams.timestamps import format_timestamp, parse_timestamp


def dated_state(field: str, cursors: dict[int, datetime]) -> dict[str, Any]:
    """{project_id: T} as `{"<project_id>": {"<cursor field>": T}}`, the state `parse_dated_state` reads."""
    return {str(pid): {field: format_timestamp(value)} for pid, value in sorted(cursors.items())}


def parse_dated_state(stream: AnyStream, stream_state: Any) -> dict[int, datetime]:
    """`{"<project_id>": {"<cursor field>": T}}` into {project_id: T}; anything else is a ConfigError."""
    field = stream.cursor_field or ""
    if not isinstance(stream_state, dict):
        raise ConfigError(f'The {stream.name} state must be an object such as {{"<project_id>": {{"{field}": ...}}}}.')
    cursors = {}
    for key, value in stream_state.items():
        try:
            cursors[int(key)] = parse_timestamp(value[field])
        except (KeyError, TypeError, ValueError):
            raise ConfigError(f"The {stream.name} state entry {key!r} needs a readable {field}.") from None
    return cursors
