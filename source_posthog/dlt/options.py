"""What the load command and its dlt pipeline share: the pipeline's name, the chosen streams, the config file.

Kept apart from cli.py (which must import without dlt installed) and load.py (which needs dlt), so neither
imports the other back.
"""

from pathlib import Path
from typing import Any

from source_posthog.config.file import load_config
from source_posthog.errors import ConfigError

PIPELINE = "source_posthog"


def selected_streams(text: str | None, known: list[str]) -> list[str]:
    """The streams named by --streams, all `known` if none; an unknown name is a ConfigError listing the known ones.

    `known` is the source's streams: the table's and the config's custom query streams.
    """
    if not text:
        return known
    names = [name.strip() for name in text.split(",") if name.strip()]
    unknown = [name for name in names if name not in known]
    if unknown or not names:
        raise ConfigError(f"Unknown stream(s) {', '.join(unknown) or '(none)'}; known: {', '.join(known)}.")
    return names


def read_config(path: str, log: Any) -> Any:
    """The validated config; a missing or bad file is a ConfigError."""
    if not Path(path).is_file():
        raise ConfigError(f"Config file {path} not found.")
    return load_config(path, warn=lambda message: log("WARN", message))
