"""`source-posthog-load`: one command that loads a PostHog account into a local DuckDB file through dlt.

    source-posthog-load --config config.json --duckdb posthog.duckdb [--streams events,persons]

One table per stream, named as the stream, in the dataset `posthog_data` (not `posthog`: DuckDB names its catalog
after the file, and a schema of the same name makes every query ambiguous). Run again, it loads incrementally:
dlt keeps the pipeline state in a folder beside the file (and in the file itself, from where it is restored if
that folder is gone). Each incremental stream is committed at every page's STATE (runs.py), so a killed load
resumes from its last page, as Airbyte mode does. A stream that fails is marked FAILED in the summary and named in
a final `ERROR` line (exit code 1) after the other streams are loaded. Progress goes to stderr, the summary of
rows per table to stdout. Any other failure is one `ERROR ...` line and exit code 1; the API key is never printed.
"""

import argparse
import sys
from collections.abc import Sequence
from typing import TextIO

from source_posthog import __version__
from source_posthog.errors import ConnectorError
from source_posthog.redaction import redact
from source_posthog.streams.table import STREAMS_BY_NAME

NAME = "source-posthog-load"
CHECKPOINT_RECORDS = 1  # runs.CHECKPOINT_RECORDS, repeated: this module must import without dlt
DATASET = "posthog_data"


def build_parser() -> argparse.ArgumentParser:
    """The command line."""
    parser = argparse.ArgumentParser(
        prog=NAME, description="Load a PostHog account into DuckDB (or another dlt destination)."
    )
    parser.add_argument("--version", action="version", version=f"{NAME} {__version__}")
    parser.add_argument(
        "--config", metavar="FILE", required=True, help="the connector's config JSON (api_key, start_date, ...)"
    )
    parser.add_argument(
        "--duckdb", metavar="FILE", default="posthog.duckdb", help="DuckDB file (default: posthog.duckdb)"
    )
    parser.add_argument("--destination", metavar="NAME", help="another dlt destination (credentials from dlt's config)")
    parser.add_argument(
        "--streams",
        metavar="A,B",
        help=f"streams to load (default: all, custom queries too): {', '.join(STREAMS_BY_NAME)}",
    )
    parser.add_argument(
        "--dataset", metavar="NAME", default=DATASET, help=f"dataset (schema) name (default: {DATASET})"
    )
    parser.add_argument("--pipelines-dir", metavar="DIR", help="dlt's working folder (default: beside the DuckDB file)")
    add_checkpoint_option(parser)
    return parser


def add_checkpoint_option(parser: argparse.ArgumentParser) -> None:
    """`--checkpoint-records`: what a kill may cost against how many dlt runs a load takes."""
    parser.add_argument(
        "--checkpoint-records",
        metavar="N",
        type=count,
        default=CHECKPOINT_RECORDS,
        help="commit an incremental stream's rows and state to dlt at its first STATE after N records (default "
        f"{CHECKPOINT_RECORDS}: at every page's STATE, so a rerun after a kill re-reads at most one page, as Airbyte "
        "mode; larger N: fewer dlt runs; 0: once, at the end of its read)",
    )


def count(text: str) -> int:
    """A whole number >= 0 (argparse turns the ValueError into a usage error naming the option)."""
    value = int(text)
    if value < 0:
        raise ValueError(text)
    return value


def main(argv: Sequence[str] | None = None, stdout: TextIO | None = None, stderr: TextIO | None = None) -> int:
    """Run one load; return the exit code (0 loaded, 1 failed)."""
    args = build_parser().parse_args(argv)
    out, err = stdout or sys.stdout, stderr or sys.stderr

    def log(level: str, message: str) -> None:
        err.write(f"{level} {redact(message)}\n")
        err.flush()

    try:
        from source_posthog.dlt.load import load  # noqa: PLC0415 (dlt is an optional dependency: imported only when needed)

        summary, failure = load(args, log)
        out.write(summary)
        if failure is None:
            return 0
        log("ERROR", failure.message)
    except ImportError as error:
        log("ERROR", f"dlt is not installed ({error.name}): pip install 'source-posthog[dlt]'")
    except KeyboardInterrupt:
        log("ERROR", "Interrupted; run the same command again to resume.")
    except Exception as error:  # every failure is one readable line, never a traceback
        log("ERROR", describe(error))
    return 1


def describe(error: BaseException) -> str:
    """The connector's own message if a ConnectorError caused this (dlt wraps it), else the first line of it."""
    cause: BaseException | None = error
    while cause is not None:
        if isinstance(cause, ConnectorError):
            return redact(cause.message)
        cause = cause.__cause__ or cause.__context__
    lines = str(error).strip().splitlines()
    return redact(f"{type(error).__name__}: {lines[0] if lines else ''}")
