"""Reading the config file (and the other JSON files the command line names) into the one `Config` model.

Every problem with a file the user gave (missing, not JSON, invalid fields) becomes a ConfigError that
names the field and never echoes the input, which may hold the key. Unknown top-level keys are ignored, as
the existing connector did, but each is reported with the closest known key: a typo such as `project_id`
would otherwise silently sync every project.
"""

import difflib
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from source_posthog.config.fields import RateLimits
from source_posthog.config.model import Config
from source_posthog.errors import ConfigError


def _ignore(_message: str) -> None:
    """Default warning listener: nothing is told."""


def load_config(path: str, warn: Callable[[str], None] = _ignore) -> Config:
    """Read and validate a config file, turning every problem into a ConfigError the user can act on."""
    return parse_config(read_json_file(path, "config"), warn)


def parse_config(raw: Any, warn: Callable[[str], None] = _ignore) -> Config:
    """Validate an already-decoded config object; `warn` hears about each unknown key."""
    if not isinstance(raw, dict):
        raise ConfigError("The config must be a JSON object with api_key and start_date.")
    for message in unknown_key_warnings(raw):
        warn(message)
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def unknown_key_warnings(raw: dict[str, Any]) -> Iterator[str]:
    """One warning per key the config does not know, naming the closest known key."""
    known = list(Config.model_fields)
    for key in raw:
        if key not in known:
            close = difflib.get_close_matches(str(key), known, n=1, cutoff=0.6)
            hint = f"did you mean {close[0]!r}?" if close else f"known keys: {', '.join(known)}."
            yield f"Config key {key!r} is unknown and ignored; {hint}"


def describe_validation_error(exc: ValidationError) -> str:
    """List each invalid field and why, never echoing the input (it may hold the key)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "config"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "string_pattern_mismatch" and field == "start_date":
            message = "must look like 2024-01-01T00:00:00Z (UTC, seconds, trailing Z)"
        if error["type"] == "extra_forbidden" and error["loc"][0] == "rate_limits":
            message = f"is not a rate class; the valid keys are {describe_rate_classes()}"
        problems.append(f"{field}: {message}")
    return "Invalid config: " + "; ".join(problems) + "."


def describe_rate_classes() -> str:
    """The keys of `rate_limits`, each with what it paces."""
    return ", ".join(f"{name} ({field.description})" for name, field in RateLimits.model_fields.items())


def read_json_file(path: str, what: str) -> Any:
    """Read a JSON file given on the command line; a missing or malformed file is a ConfigError."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"Cannot read the {what} file {path}: {exc.strerror}.") from None
    try:
        return json.loads(text)
    except ValueError as exc:
        raise ConfigError(f"The {what} file {path} is not valid JSON: {exc}.") from None
