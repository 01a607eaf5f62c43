"""The config file and the connector specification, both from the one `Config` model.

Every problem with a file the user gave (missing, not JSON, invalid fields) becomes a ConfigError that
names the field and never echoes the input, which may hold the key.
"""

import json
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from source_posthog.config import Config
from source_posthog.errors import ConfigError

DOCS_URL = "https://posthog.com/docs/api"


def load_config(path: str) -> Config:
    """Read and validate a config file, turning every problem into a ConfigError the user can act on."""
    return parse_config(read_json_file(path, "config"))


def parse_config(raw: Any) -> Config:
    """Validate an already-decoded config object."""
    if not isinstance(raw, dict):
        raise ConfigError("The config must be a JSON object with api_key and start_date.")
    try:
        return Config.model_validate(raw)
    except ValidationError as exc:
        raise ConfigError(describe_validation_error(exc)) from None


def describe_validation_error(exc: ValidationError) -> str:
    """List each invalid field and why, never echoing the input (it may hold the key)."""
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        field = ".".join(str(part) for part in error["loc"]) or "config"
        message = error["msg"].removeprefix("Value error, ")
        if error["type"] == "string_pattern_mismatch" and field == "start_date":
            message = "must look like 2024-01-01T00:00:00Z (UTC, seconds, trailing Z)"
        problems.append(f"{field}: {message}")
    return "Invalid config: " + "; ".join(problems) + "."


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


def spec_schema() -> dict[str, Any]:
    """The connectionSpecification, generated from `Config` so the two can never disagree."""
    schema = Config.model_json_schema()
    definitions = schema.pop("$defs", {})
    for name, prop in schema["properties"].items():  # Airbyte's UI renders inline objects, not $refs
        if "$ref" in prop:
            schema["properties"][name] = {**definitions[prop.pop("$ref").split("/")[-1]], **prop}
    schema["$schema"] = "http://json-schema.org/draft-07/schema#"
    schema["additionalProperties"] = True
    schema.pop("description", None)
    for key in ("format", "writeOnly"):  # pydantic's SecretStr markers; Airbyte uses airbyte_secret
        schema["properties"]["api_key"].pop(key, None)
    return schema
