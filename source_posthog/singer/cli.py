"""The Singer tap, `tap-posthog`: `--about`, `--discover`, and a sync with `--catalog`/`--properties` and `--state`.

Same config file and same streams as `source-posthog`; only the messages differ (singer/messages.py) and how the
catalog and state are read (singer/catalog.py, singer/state.py). stdout holds only SCHEMA, RECORD and STATE
messages (and the catalog or `--about` answer); every log line and error goes to stderr. Exit code 0 on success,
1 after an error (its message on stderr as `CRITICAL ...`).
"""

import argparse
import os
import sys
import traceback
from collections.abc import Sequence
from typing import Any, BinaryIO, TextIO

import orjson

from source_posthog import DOCS_URL, __version__
from source_posthog.config.file import load_config, read_json_file
from source_posthog.config.model import Config
from source_posthog.errors import ConnectorError
from source_posthog.redaction import redact
from source_posthog.singer.catalog import Selected, build_catalog, default_selection, parse_catalog
from source_posthog.singer.messages import SingerOutput
from source_posthog.singer.state import load_state
from source_posthog.streams.table import STREAMS, STREAMS_BY_NAME, streams_for
from source_posthog.sync.discovery import Schemas, custom_schemas, schema_for
from source_posthog.sync.run import read_streams

NAME = "tap-posthog"
DESCRIPTION = (
    f"Singer tap for PostHog: events exactly once; events, session recordings, groups and sessions "
    f"incremental and resumable; {len(STREAMS)} streams in all."
)
CAPABILITIES = ["catalog", "discover", "state", "about"]
STDOUT_BUFFER_BYTES = 1 << 20
KINDS = {"string": "string", "integer": "integer", "number": "decimal", "boolean": "boolean", "array": "array"}


def build_parser() -> argparse.ArgumentParser:
    """The Singer command line, as Meltano calls it."""
    parser = argparse.ArgumentParser(prog=NAME, description="Singer tap for PostHog. stdout holds Singer messages.")
    parser.add_argument("--version", action="version", version=f"{NAME} {__version__}")
    parser.add_argument("--config", metavar="FILE", help="config JSON (api_key, start_date, ...)")
    parser.add_argument("--discover", action="store_true", help="print the catalog of every stream")
    parser.add_argument("--catalog", "--properties", dest="catalog", metavar="FILE", help="the streams to sync")
    parser.add_argument("--state", metavar="FILE", help='bookmarks of the previous run: {"bookmarks": {...}}')
    parser.add_argument("--about", action="store_true", help="print what this tap is and its settings")
    parser.add_argument("--format", choices=("json", "markdown"), default="markdown", help="format of --about")
    return parser


def main(argv: Sequence[str] | None = None, stdout: BinaryIO | None = None, stderr: TextIO | None = None) -> int:
    """Run the tap; return the process exit code."""
    args = build_parser().parse_args(argv)
    stream = stdout or os.fdopen(os.dup(sys.stdout.fileno()), "wb", buffering=STDOUT_BUFFER_BYTES)
    log_stream = stderr or sys.stderr
    try:
        if args.about:
            stream.write(about_text(args.format).encode())
            return 0
        if not args.config:
            log_stream.write("CRITICAL --config FILE is required (or --about).\n")
            return 1
        return run(args, stream, log_stream)
    finally:
        stream.flush()
        if stdout is None:
            stream.close()


def run(args: argparse.Namespace, stream: BinaryIO, log_stream: TextIO) -> int:
    """Discover or sync; every failure becomes a CRITICAL line on stderr and exit code 1."""
    output = SingerOutput(stream, log_stream)
    try:
        config = load_config(args.config, warn=lambda message: output.log("WARN", message))
        if args.discover:
            # Indented, as Singer taps print it: Meltano reads discovery output in lines of at most 64 KiB.
            catalog = build_catalog(streams_for(config), custom_schemas(config, output))
            stream.write(orjson.dumps(catalog, option=orjson.OPT_INDENT_2) + b"\n")
            return 0
        run_tap(config, args.catalog, args.state, stream, log_stream)
    except ConnectorError as error:
        output.log("CRITICAL", f"{error.failure_type}: {error.message}")
        if error.internal_message:
            output.log("DEBUG", error.internal_message)
        return 1
    except Exception as error:
        output.log("CRITICAL", f"Unexpected error: {type(error).__name__}: {error}")
        output.log("DEBUG", traceback.format_exc())
        return 1
    return 0


def run_tap(config: Config, catalog_path: str | None, state_path: str | None, stream: BinaryIO, log: TextIO) -> None:
    """SCHEMA of every selected stream, then its records and STATE, through the shared read loop."""
    streams = streams_for(config)
    selected = parse_catalog(read_json_file(catalog_path, "catalog"), streams) if catalog_path else default_selection()
    states = load_state(state_path)
    output = SingerOutput(stream, log, states, {s.stream.name: s.dropped for s in selected if s.dropped})
    if not catalog_path:
        output.log("INFO", f"No --catalog: syncing the streams selected by default ({len(selected)}).")
    fetched = custom_schemas(config, output) if any(s.stream.name not in STREAMS_BY_NAME for s in selected) else {}
    for chosen in selected:
        output.schema(
            chosen.stream.name, schema_of(chosen, fetched), list(chosen.stream.primary_key), chosen.stream.cursor_field
        )
    try:
        read_streams(config, [(s.stream, s.sync_mode) for s in selected], states, output)
    finally:  # after failed streams too: the bookmarks of every stream that was read are worth keeping
        output.final_state()


def schema_of(chosen: Selected, fetched: Schemas | None = None) -> dict[str, Any]:
    """The stream's schema (a custom stream's as `fetched`) without the properties the catalog deselected."""
    schema = schema_for(chosen.stream, fetched or {})
    if not chosen.dropped:
        return schema
    properties = {k: v for k, v in schema.get("properties", {}).items() if k not in chosen.dropped}
    return {**schema, "properties": properties, "required": [k for k in schema.get("required", []) if k in properties]}


def about() -> dict[str, Any]:
    """`--about --format json`: name, version, capabilities and settings (from the one Config model)."""
    return {
        "name": NAME,
        "description": DESCRIPTION,
        "version": __version__,
        "capabilities": CAPABILITIES,
        "documentation_url": DOCS_URL,
        "settings": settings(),
    }


def settings() -> list[dict[str, Any]]:
    """Every config field as a Meltano setting: name, kind, label, description, and whether it is required."""
    schema = Config.model_json_schema()
    required = set(schema.get("required", []))
    found = []
    for name, prop in schema["properties"].items():
        kind = "password" if name == "api_key" else KINDS.get(prop.get("type", ""), "object")
        if name == "start_date":
            kind = "date_iso8601"
        setting = {
            "name": name,
            "kind": kind,
            "label": prop.get("title", name),
            "description": prop.get("description", ""),
        }
        found.append({**setting, "required": name in required})
    return found


def about_text(form: str) -> str:
    """The `--about` answer as JSON or as Markdown for a person."""
    info = about()
    if form == "json":
        return orjson.dumps(info, option=orjson.OPT_INDENT_2).decode() + "\n"
    lines = [
        f"# {NAME} {__version__}",
        "",
        DESCRIPTION,
        "",
        "Capabilities: " + ", ".join(CAPABILITIES),
        "",
        "Settings:",
    ]
    lines += [
        f"- `{s['name']}` ({s['kind']}{', required' if s['required'] else ''}): {s['description']}"
        for s in info["settings"]
    ]
    return redact("\n".join(lines)) + "\n"
