"""The README's config and catalog examples are accepted as written (the quick start must work when copied)."""

import json
import re
from pathlib import Path
from typing import Any

from source_posthog.airbyte.catalog import parse_configured_catalog
from source_posthog.config.file import parse_config

README = Path(__file__).resolve().parent.parent / "README.md"


def json_blocks() -> list[Any]:
    return [json.loads(block) for block in re.findall(r"```json\n(.*?)```", README.read_text(encoding="utf-8"), re.S)]


def test_given_the_readme_config_example_when_parsed_then_valid_without_warnings() -> None:
    (config,) = [block for block in json_blocks() if "api_key" in block]
    warnings: list[str] = []
    assert parse_config(config, warn=warnings.append).base_url == "https://eu.posthog.com"
    assert warnings == []


def test_given_the_readme_catalog_example_when_parsed_then_events_incremental_and_persons_full_refresh() -> None:
    (catalog,) = [block for block in json_blocks() if "streams" in block]
    chosen = parse_configured_catalog(catalog)
    assert [(c.stream.name, c.sync_mode) for c in chosen] == [("events", "incremental"), ("persons", "full_refresh")]
