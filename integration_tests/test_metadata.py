"""metadata.yaml must be valid Airbyte metadata and name the existing connector, so the image is a drop-in;
it, the image label, the package and `--version` carry one version.

The schema is the `ConnectorMetadataDefinitionV0` JSON shipped by airbyte-connector-models (in the
ecosystem venv); it is validated here with the main venv's jsonschema.
"""

import copy
import importlib.metadata
import json
import re
import subprocess
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from integration_tests.acceptance.ecosystem import REPO_ROOT, eco_site_file
from integration_tests.helpers import connector_command
from source_posthog import __version__
from source_posthog.airbyte.spec import spec_schema

SCHEMA_FILE = "airbyte_connector_models/metadata/v0/ConnectorMetadataDefinitionV0.json"
UPSTREAM_DEFINITION_ID = "af6d50ee-dddf-4126-a8ee-7faee990774f"
UPSTREAM_REPOSITORY = "airbyte/source-posthog"
POSTHOG_HOSTS = ("us.posthog.com", "eu.posthog.com", "app.posthog.com")


def strip_nested_ids(node: Any, top: bool = True) -> Any:
    """Drop `$id` below the root: the bundled schema nests them, and they re-base every `$ref`."""
    if isinstance(node, dict):
        return {key: strip_nested_ids(value, False) for key, value in node.items() if top or key != "$id"}
    if isinstance(node, list):
        return [strip_nested_ids(item, False) for item in node]
    return node


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft7Validator:
    schema = strip_nested_ids(json.loads(eco_site_file(SCHEMA_FILE).read_text(encoding="utf-8")))
    return jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())


@pytest.fixture(scope="module")
def metadata() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load((REPO_ROOT / "metadata.yaml").read_text(encoding="utf-8"))
    return loaded


def error_messages(validator: jsonschema.Draft7Validator, document: dict[str, Any]) -> list[str]:
    return [f"{'/'.join(map(str, error.absolute_path))}: {error.message}" for error in validator.iter_errors(document)]


def dockerfile_labels(path: Path) -> dict[str, str]:
    """LABEL key="value" pairs of a Dockerfile, line continuations joined."""
    text = path.read_text(encoding="utf-8").replace("\\\n", " ")
    labels: dict[str, str] = {}
    for line in text.splitlines():
        if line.strip().upper().startswith("LABEL "):
            labels |= dict(re.findall(r'([\w.\-]+)="([^"]*)"', line))
    return labels


class TestMetadataSchema:
    def test_given_metadata_yaml_when_validated_against_v0_schema_then_no_errors(
        self, validator: jsonschema.Draft7Validator, metadata: dict[str, Any]
    ) -> None:
        assert error_messages(validator, metadata) == []

    @pytest.mark.parametrize(
        ("path", "value", "expected"),
        [
            (("data", "definitionId"), None, "definitionId"),
            (("data", "definitionId"), "not-a-uuid", "uuid"),
            (("data", "connectorType"), "sauce", "sauce"),
            (("data", "surprise"), "field", "surprise"),
        ],
    )
    def test_given_a_broken_copy_when_validated_then_the_schema_names_the_problem(
        self,
        validator: jsonschema.Draft7Validator,
        metadata: dict[str, Any],
        path: tuple[str, str],
        value: str | None,
        expected: str,
    ) -> None:
        broken = copy.deepcopy(metadata)
        if value is None:
            del broken[path[0]][path[1]]
        else:
            broken[path[0]][path[1]] = value
        assert any(expected in message for message in error_messages(validator, broken))


class TestDropIn:
    def test_given_metadata_when_read_then_it_names_the_existing_airbyte_connector(
        self, metadata: dict[str, Any]
    ) -> None:
        data = metadata["data"]
        assert (data["definitionId"], data["dockerRepository"]) == (UPSTREAM_DEFINITION_ID, UPSTREAM_REPOSITORY)
        assert (data["connectorType"], data["connectorSubtype"]) == ("source", "api")

    def test_given_allowed_hosts_when_read_then_posthog_clouds_and_the_configured_base_url_are_listed(
        self, metadata: dict[str, Any]
    ) -> None:
        hosts = metadata["data"]["allowedHosts"]["hosts"]
        assert set(hosts) == {"${base_url}", *POSTHOG_HOSTS}
        assert "base_url" in spec_schema()["properties"]  # the placeholder resolves to a real config field

    def test_given_dockerfile_labels_when_compared_then_they_match_repository_and_tag(
        self, metadata: dict[str, Any]
    ) -> None:
        labels = dockerfile_labels(REPO_ROOT / "Dockerfile")
        data = metadata["data"]
        assert labels["io.airbyte.name"] == data["dockerRepository"]
        assert labels["io.airbyte.version"] == data["dockerImageTag"]


class TestOneVersion:
    def test_given_the_package_version_when_compared_then_image_label_metadata_and_distribution_agree(
        self, metadata: dict[str, Any]
    ) -> None:
        # Defined once in source_posthog/__init__.py; pyproject reads it, the other two must repeat it.
        labels = dockerfile_labels(REPO_ROOT / "Dockerfile")
        assert labels["io.airbyte.version"] == metadata["data"]["dockerImageTag"] == __version__
        assert importlib.metadata.version("source-posthog") == __version__

    def test_given_the_installed_cli_when_asked_for_its_version_then_the_package_version(self) -> None:
        done = subprocess.run([*connector_command(), "--version"], capture_output=True, text=True, check=False)
        assert (done.returncode, done.stdout.strip()) == (0, f"source-posthog {__version__}")
