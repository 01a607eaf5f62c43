"""The Dockerfile passes hadolint, and its image answers `spec`, `check` and `read` like the CLI.

The image tests need podman (this machine has no Docker daemon) and are skipped, with the reason, where
podman is missing; scripts/container-build.sh builds the image, with its base image made once offline.
"""

import json
import os
import subprocess
from pathlib import Path

import pytest

from integration_tests.acceptance.ecosystem import REPO_ROOT, container_engine, eco_bin
from integration_tests.helpers import Run, config_for, parse_messages, run_connector, write_json
from posthog_emulator import Emulator
from source_posthog.streams.table import STREAMS

IMAGE = "airbyte/source-posthog:dev"
CONTAINERS_CONF = REPO_ROOT / "scripts" / "containers.conf"  # runc, ulimits, host network: see the file
BUILD_TIMEOUT_S = 600
RUN_TIMEOUT_S = 120
NO_ENGINE = (
    "podman not found: the image tests need it (no Docker daemon here); install it with "
    "`apt-get install -y podman buildah runc debootstrap`, then run scripts/container-build.sh"
)
needs_engine = pytest.mark.skipif(container_engine() is None, reason=NO_ENGINE)


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) pairs, continuations joined and comments dropped."""
    text = (REPO_ROOT / "Dockerfile").read_text(encoding="utf-8").replace("\\\n", " ")
    pairs = []
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            instruction, _, arguments = line.strip().partition(" ")
            pairs.append((instruction.upper(), arguments.strip()))
    return pairs


class TestDockerfile:
    def test_given_the_dockerfile_when_hadolint_runs_then_it_reports_nothing(self) -> None:
        done = subprocess.run(
            [str(eco_bin("hadolint")), "--no-color", str(REPO_ROOT / "Dockerfile")],
            capture_output=True,
            text=True,
            check=False,
            timeout=60,
        )
        assert (done.returncode, done.stdout) == (0, "")

    def test_given_the_dockerfile_when_read_then_a_non_root_user_runs_the_cli_entrypoint(self) -> None:
        instructions = dockerfile_instructions()
        users = [arguments for instruction, arguments in instructions if instruction == "USER"]
        assert users, "no USER: the image would run as root"
        assert users[-1].split(":")[0] not in ("root", "0")
        assert ("ENTRYPOINT", '["source-posthog"]') in instructions
        assert instructions[0] == ("FROM", "python:3.11-slim")


def podman(*args: str, timeout: float = RUN_TIMEOUT_S) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["podman", *args],
        env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)},
        capture_output=True,
        text=True,
        check=False,
        timeout=timeout,
    )


@pytest.fixture(scope="module")
def image() -> str:
    """The image built from the checkout (layer cache makes a rebuild take seconds)."""
    done = subprocess.run(
        ["bash", str(REPO_ROOT / "scripts" / "container-build.sh"), IMAGE],
        env={**os.environ, "CONTAINERS_CONF": str(CONTAINERS_CONF)},
        capture_output=True,
        text=True,
        check=False,
        timeout=BUILD_TIMEOUT_S,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return IMAGE


def run_image(image: str, *args: str, mount: Path | None = None) -> Run:
    volume = ["-v", f"{mount}:/secrets:ro"] if mount else []
    done = podman("run", "--rm", *volume, image, *args)
    return Run(done.returncode, done.stdout, done.stderr, parse_messages(done.stdout))


@pytest.fixture
def secrets(tmp_path: Path, emulator: Emulator) -> Path:
    """A folder the container's non-root user can read, holding a config and catalog for the emulator."""
    folder = tmp_path / "secrets"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)  # mkdir's mode is masked by the umask
    write_json(folder, "config.json", config_for(emulator.base_url, emulator.api_key))
    write_json(
        folder,
        "catalog.json",
        json.loads((REPO_ROOT / "integration_tests/acceptance/configured_catalog.json").read_text()),
    )
    for file in folder.iterdir():
        file.chmod(0o644)
    return folder


@needs_engine
class TestImage:
    def test_given_the_image_when_inspected_then_it_runs_as_uid_1000_with_airbyte_labels(self, image: str) -> None:
        done = podman("image", "inspect", image)
        assert done.returncode == 0, done.stderr
        config = json.loads(done.stdout)[0]["Config"]
        assert config["User"] == "1000:1000"
        assert config["Entrypoint"] == ["source-posthog"]
        assert config["Labels"]["io.airbyte.name"] == "airbyte/source-posthog"
        assert config["Labels"]["io.airbyte.version"]

    def test_given_the_image_when_spec_runs_then_it_prints_the_same_spec_as_the_cli(self, image: str) -> None:
        in_container = run_image(image, "spec")
        assert in_container.returncode == 0, in_container.stderr
        assert in_container.of_type("SPEC") == run_connector(["spec"]).of_type("SPEC")

    def test_given_the_emulator_on_loopback_when_check_runs_in_the_image_then_it_succeeds(
        self, image: str, secrets: Path
    ) -> None:
        done = run_image(image, "check", "--config", "/secrets/config.json", mount=secrets)
        assert done.returncode == 0, done.stderr
        assert done.connection_status["status"] == "SUCCEEDED"

    def test_given_the_emulator_when_read_runs_in_the_image_then_every_stream_returns_records(
        self, image: str, secrets: Path
    ) -> None:
        done = run_image(
            image, "read", "--config", "/secrets/config.json", "--catalog", "/secrets/catalog.json", mount=secrets
        )
        assert (done.returncode, done.errors) == (0, [])
        assert set(done.counts()) == {stream.name for stream in STREAMS}
