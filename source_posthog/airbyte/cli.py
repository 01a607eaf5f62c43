"""The Airbyte CLI: `spec`, `check --config`, `discover --config`, `read --config --catalog [--state]`.

This is the only place exceptions become messages. A ConnectorError becomes a failed
CONNECTION_STATUS (`check`) or an ERROR trace with its failure type; anything unexpected becomes a
`system_error` trace. A usage error (a missing flag, an unknown command) is a config_error trace too, with
exit code 1, so a caller only ever sees 0 or 1. Either way stdout holds only Airbyte messages and the key is
masked; only `--help` and `--version`, asked for by a person, print plain text.
"""

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import BinaryIO, NoReturn

from source_posthog import DOCS_URL, __version__
from source_posthog.airbyte.catalog import build_catalog, load_configured_catalog
from source_posthog.airbyte.check import run_check
from source_posthog.airbyte.messages import Output
from source_posthog.airbyte.read import run_read
from source_posthog.airbyte.spec import spec_schema
from source_posthog.airbyte.state import load_state
from source_posthog.config.file import load_config
from source_posthog.config.model import Config
from source_posthog.errors import ConfigError, ConnectorError
from source_posthog.streams.table import streams_for
from source_posthog.sync.discovery import custom_schemas
from source_posthog.sync.run import make_client

CHECK_MAX_TRIES = 3  # `check` should answer in seconds, not wait minutes for a dead host
STDOUT_BUFFER_BYTES = 1 << 20
CONFIG = ("--config", True, "path to the config JSON (api_key, start_date, ...)")
CATALOG = ("--catalog", True, "path to the configured catalog JSON (the streams to read)")
STATE = ("--state", False, "path to the state JSON of the previous read")
# command -> (what it does, its flags as (flag, required, help))
COMMANDS: dict[str, tuple[str, tuple[tuple[str, bool, str], ...]]] = {
    "spec": ("print the connector specification (SPEC)", ()),
    "check": ("test the key, the projects and every stream's scope (CONNECTION_STATUS)", (CONFIG,)),
    "discover": ("print the streams and their schemas (CATALOG)", (CONFIG,)),
    "read": ("emit RECORD and STATE messages of the catalog's streams", (CONFIG, CATALOG, STATE)),
}


class Parser(argparse.ArgumentParser):
    """argparse, except that a usage error raises a ConfigError (a TRACE, exit 1) instead of exiting 2."""

    def error(self, message: str) -> NoReturn:
        """Turn argparse's complaint into a config error that shows the right usage."""
        usage = " ".join(self.format_usage().split()).removeprefix("usage: ")
        raise ConfigError(f"Invalid command line: {message}. Usage: {usage} (see source-posthog --help).")


def flag_usage(flags: tuple[tuple[str, bool, str], ...]) -> str:
    """How a command's flags are written: `--config FILE --catalog FILE [--state FILE]`."""
    return " ".join(f"{flag} FILE" if required else f"[{flag} FILE]" for flag, required, _ in flags)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser; unknown extra flags are ignored, as the Airbyte test suite passes some."""
    parser = Parser(
        prog="source-posthog",
        description="Airbyte source for PostHog. Every stdout line is one Airbyte message.",
        epilog="Exit code: 0 on success (a check that fails reports FAILED and exits 0), 1 after an error TRACE.",
    )
    parser.add_argument("--version", action="version", version=f"source-posthog {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND", parser_class=Parser)
    for name, (summary, flags) in COMMANDS.items():
        usage = flag_usage(flags)
        command = commands.add_parser(name, help=f"{usage}: {summary}" if usage else summary, description=summary)
        for flag, required, text in flags:
            command.add_argument(flag, required=required, metavar="FILE", help=text)
    return parser


def main(argv: Sequence[str] | None = None, stdout: BinaryIO | None = None) -> int:
    """Run one command; return the process exit code."""
    stream = stdout or os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=STDOUT_BUFFER_BYTES)
    output = Output(stream)
    try:
        try:
            args, _unknown = build_parser().parse_known_args(argv)
        except ConfigError as error:
            output.error_trace(error.message, error.failure_type)
            return 1
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
            config = read_config(args.config, output)
            output.catalog(build_catalog(streams_for(config), custom_schemas(config, output, CHECK_MAX_TRIES)))
        else:
            config = read_config(args.config, output)
            streams = load_configured_catalog(args.catalog, streams_for(config))
            run_read(config, streams, load_state(args.state), output)
    except ConnectorError as error:
        output.error_trace(error.message, error.failure_type, error.internal_message)
        return 1
    except Exception as error:
        output.error_trace(f"Unexpected error: {type(error).__name__}: {error}", "system_error", traceback.format_exc())
        return 1
    return 0


def read_config(path: str, output: Output) -> Config:
    """The validated config; each unknown key becomes a WARN naming the closest known one."""
    return load_config(path, warn=lambda message: output.log("WARN", message))


def run_check_command(config_path: str, output: Output) -> int:
    """`check`: config errors are a FAILED status (exit 0, as in the Airbyte CDK); others also trace."""
    try:
        config = read_config(config_path, output)
        message = run_check(make_client(config, output, CHECK_MAX_TRIES), config, output)
    except ConnectorError as error:
        output.connection_status(False, error.message)
        if error.failure_type == "config_error":
            return 0
        output.error_trace(error.message, error.failure_type, error.internal_message)
        return 1
    output.connection_status(True, message)
    return 0
