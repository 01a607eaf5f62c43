"""The load behind `source-posthog-load`: the dlt pipeline, its run, and the summary of rows per table.

The DuckDB file is opened once and its connection handed to dlt for every run (dlt documents a
`DuckDBPyConnection` as the duckdb destination's credentials and never closes one it was given: dlt 1.31
`destinations/impl/duckdb/configuration.py`, `_conn_owner` False). Otherwise each run (one per page) opens the
file twice and checkpoints it at each close: 0.2 of the 0.35 s a small run cost (bench/README.md).

Three more of dlt's documented settings, for DuckDB only and only where the user has not set them (`LOCAL_DEFAULTS`):
`load.delete_completed_jobs` (dlt keeps every loaded package's files in the pipeline folder by default: the whole
history again beside the DuckDB file that holds it), `data_writer.disable_compression` (dlt gzips each file it
writes and reads it back; local files that are deleted once loaded do not need it: less CPU per row) and
`load.workers` 1 (dlt loads a run's files side by side, 20 by default: one COPY each, whose memory adds up in the
one DuckDB process: with fat rows cut into files of a page's share, DuckDB ran out of its 256 MB at 20 workers, not
at 1; the fixed cost per run is the same, bench/README.md).
"""

import argparse
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import dlt
import duckdb
from dlt import Pipeline
from dlt.common.destination import TLoaderFileFormat
from dlt.destinations.impl.duckdb.configuration import DuckDbCredentials

from source_posthog.dlt.options import PIPELINE, read_config
from source_posthog.dlt.runs import LoadResult, RunOptions, run_streams
from source_posthog.errors import ConfigError, ConnectorError
from source_posthog.sync.failures import failed_streams_error

Log = Callable[[str, str], None]
DUCKDB_MEMORY = "256MB"
LOCAL_DEFAULTS = {"load.delete_completed_jobs": True, "data_writer.disable_compression": True, "load.workers": 1}


def load(args: argparse.Namespace, log: Log) -> tuple[str, ConnectorError | None]:
    """Run the pipeline for the chosen streams; return the summary to print and the failed streams' error, if any."""
    config = read_config(args.config, log)
    with make_pipeline(args) as pipeline:
        return run_load(args, config, pipeline, log)


def run_load(args: argparse.Namespace, config: Any, pipeline: Pipeline, log: Log) -> tuple[str, ConnectorError | None]:
    """The runs and the summary, on a pipeline whose destination is open."""
    # DuckDB loads JSON-lines files with its own reader: 6x faster and far leaner than dlt's default for DuckDB
    # (INSERT VALUES statements), measured by bench/dlt_load.py. Other destinations keep their preferred format.
    file_format: TLoaderFileFormat | None = None if args.destination else "jsonl"
    where = f"{describe_destination(args)}, dataset {args.dataset}"
    options = RunOptions(args.checkpoint_records or None, file_format, log, where)
    dumped = config.model_dump(mode="json", exclude_none=True) | secret(config)
    defaults = (
        {} if args.destination else {key: on for key, on in LOCAL_DEFAULTS.items() if dlt.config.get(key) is None}
    )
    with dlt.config.values(defaults):
        result = run_streams(pipeline, dumped, args.streams, options)
    failure = failed_streams_error(result.failed, len(result.streams)) if result.failed else None
    return summary(pipeline, result), failure


def secret(config: object) -> dict[str, str]:
    """The key in clear, for the source (model_dump masks a SecretStr)."""
    return {"api_key": config.api_key.get_secret_value()}  # type: ignore[attr-defined]


@contextmanager
def make_pipeline(args: argparse.Namespace) -> Iterator[Pipeline]:
    """The dlt pipeline: DuckDB at --duckdb (open until the load ends) unless --destination names another."""
    if args.destination:
        yield dlt.pipeline(
            PIPELINE, destination=args.destination, dataset_name=args.dataset, pipelines_dir=args.pipelines_dir
        )
        return
    path = Path(args.duckdb).resolve()
    if path.stem == args.dataset:
        raise ConfigError(
            f"Pick a --dataset other than {args.dataset!r}: DuckDB names its catalog after the file {path.name}."
        )
    if not path.parent.is_dir():
        raise ConfigError(f"Folder {path.parent} does not exist (for --duckdb {args.duckdb}).")
    folder = args.pipelines_dir or str(path.with_name(f".{path.name}.dlt"))
    # DuckDB keeps what it loads in its buffer pool up to 80% of RAM by default (2.7 GB peak for 1M events in
    # bench/dlt_load.py); capped, it spills to disk instead and the load's peak stays flat.
    connection = duckdb.connect(str(path), config={"memory_limit": DUCKDB_MEMORY})
    try:
        destination = dlt.destinations.duckdb(DuckDbCredentials(connection))
        yield dlt.pipeline(PIPELINE, destination=destination, dataset_name=args.dataset, pipelines_dir=folder)
    finally:
        connection.close()


def describe_destination(args: argparse.Namespace) -> str:
    """Where the data goes, for the first progress line."""
    return f"dlt destination {args.destination}" if args.destination else f"DuckDB file {args.duckdb}"


def summary(pipeline: Pipeline, result: LoadResult) -> str:
    """Rows loaded by this load's runs and rows now in each table, one line per stream."""
    lines = [f"{'table':<24}{'loaded':>12}{'rows':>12}"]
    with pipeline.sql_client() as client:
        for stream in result.streams:
            state = "  FAILED" if stream in result.failed else ""
            lines.append(f"{stream:<24}{result.rows[stream]:>12,}{table_rows(client, stream):>12,}{state}")
    return "\n".join(lines) + "\n"


def table_rows(client: object, table: str) -> int:
    """Rows in a table; 0 when the stream had no rows and so no table was created."""
    try:
        name = client.make_qualified_table_name(table)  # type: ignore[attr-defined]
        rows = client.execute_sql(f"SELECT count(*) FROM {name}")  # type: ignore[attr-defined]  # noqa: S608 (a stream name)
    except Exception:  # dlt raises its own "undefined relation" error types per destination
        return 0
    return int(rows[0][0]) if rows else 0
