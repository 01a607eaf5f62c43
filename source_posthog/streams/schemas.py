"""Load the JSON schema of a stream from `schemas/<stream>.json`.

In a wheel the files sit inside the package (`source_posthog/schemas`); in a source checkout they
are the top-level `schemas/` folder beside the package.
"""

import json
from functools import cache
from pathlib import Path
from typing import Any

_PACKAGE_DIR = Path(__file__).resolve().parent.parent  # source_posthog/
_CANDIDATES = (_PACKAGE_DIR / "schemas", _PACKAGE_DIR.parent / "schemas")


@cache
def load_schema(stream: str) -> dict[str, Any]:
    """Return the JSON schema of `stream`."""
    for folder in _CANDIDATES:
        path = folder / f"{stream}.json"
        if path.is_file():
            schema: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
            return schema
    raise FileNotFoundError(f"No schema for stream {stream!r} in {', '.join(map(str, _CANDIDATES))}")
