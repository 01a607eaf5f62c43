"""The Airbyte CLI: `spec`, `check --config`, `discover --config`, `read --config --catalog [--state]`.

This is the only place exceptions become messages. A ConnectorError becomes a failed
CONNECTION_STATUS (`check`) or an ERROR trace with its failure type; anything unexpected becomes a
`system_error` trace. Either way stdout holds only Airbyte messages and the key is masked.
"""

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import BinaryIO

from source_posthog.airbyte.catalog import build_catalog, load_configured_catalog
from source_posthog.airbyte.check import run_check
from source_posthog.airbyte.messages import Output
from source_posthog.airbyte.spec import DOCS_URL, load_config, spec_schema
from source_posthog.airbyte.state import load_state
from source_posthog.airbyte.sync import make_client, run_read
from source_posthog.errors import ConnectorError

CHECK_MAX_TRIES = 3  # `check` should answer in seconds, not wait minutes for a dead host
STDOUT_BUFFER_BYTES = 1 << 20


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; unknown extra flags are ignored, as the Airbyte test suite passes some."""
    parser = argparse.ArgumentParser(prog="source-posthog", description="Airbyte source for PostHog.")
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("spec", help="print the connector specification")
    for name in ("check", "discover", "read"):
        command = commands.add_parser(name, help=f"{name} (needs --config)")
        command.add_argument("--config", required=True, help="path to the config JSON")
        if name == "read":
            command.add_argument("--catalog", required=True, help="path to the configured catalog JSON")
            command.add_argument("--state", help="path to the state JSON")
    return parser


def main(argv: Sequence[str] | None = None, stdout: BinaryIO | None = None) -> int:
    """Run one command; return the process exit code."""
    args, _unknown = build_parser().parse_known_args(argv)
    stream = stdout or os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=STDOUT_BUFFER_BYTES)
    output = Output(stream)
    try:
        return run_command(args, output)
    finally:
        output.flush()


def run_command(args: argparse.Namespace, output: Output) -> int:
    """Dispatch to the command and turn any failure into the right Airbyte message."""
    try:
        if args.command == "spec":
            output.spec({"documentationUrl": DOCS_URL, "connectionSpecification": spec_schema()})
        elif args.command == "check":
            return run_check_command(args.config, output)
        elif args.command == "discover":
            load_config(args.config)
            output.catalog(build_catalog())
        else:
            config = load_config(args.config)
            streams = load_configured_catalog(args.catalog)
            run_read(config, streams, load_state(args.state), output)
    except ConnectorError as error:
        output.error_trace(error.message, error.failure_type, error.internal_message)
        return 1
    except Exception as error:
        output.error_trace(f"Unexpected error: {type(error).__name__}: {error}", "system_error", traceback.format_exc())
        return 1
    return 0


def run_check_command(config_path: str, output: Output) -> int:
    """`check`: config errors are a FAILED status (exit 0, as in the Airbyte CDK); others also trace."""
    try:
        config = load_config(config_path)
        message = run_check(make_client(config, output, CHECK_MAX_TRIES), config, output)
    except ConnectorError as error:
        output.connection_status(False, error.message)
        if error.failure_type == "config_error":
            return 0
        output.error_trace(error.message, error.failure_type, error.internal_message)
        return 1
    output.connection_status(True, message)
    return 0
