"""Loading PostHog through dlt checkpoint by checkpoint, one failed stream never failing the others.

`load_posthog(pipeline, **config)` is the Python API of what `source-posthog-load` does:

- **Checkpoints.** dlt commits a resource's state only with the run (extract, normalize, load) that set it, so
  one run per read would, after a kill, read the interrupted stream again from its start. Here each incremental
  stream is loaded in runs that each end at the first STATE after `checkpoint_records` records (feed.py); every run
  commits its checkpoint with its data, and a rerun re-reads only what came after the last one. The default, 1,
  ends a run at every STATE that follows a record, i.e. every page: a kill re-delivers at most the page after the
  last STATE, the bound of Airbyte mode. While a run normalizes and loads one page, the read thread is already
  fetching the next (feed.py), so the commits cost dlt's fixed work per run, not a pause in the read. Full-refresh
  streams have no state to resume from (as in Airbyte mode): consecutive ones share one run.
- **Memory.** Each run bounds dlt's item buffer by the memory budget (buffer.py).
- **Pending packages first.** A run killed between its extract and its load leaves a load package whose state is
  already the pipeline's local state. dlt's own `run` would load such packages and return without extracting
  (dlt 1.31 `pipeline/pipeline.py`, `Pipeline.run`: "normalizes, loads pending data items and **exits**"), so
  they are loaded before the first new run.
- **Failures.** A stream that fails ends its resource; the records and checkpoints before the failure are loaded,
  the other streams are loaded, and then one error names every failed stream (sync/failures.py, the same message
  as the Airbyte and Singer front ends). A config error (bad key, missing scope) still stops at once.
"""

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from dlt import Pipeline
from dlt.common.destination import TLoaderFileFormat
from dlt.extract.source import DltSource

from source_posthog.dlt.buffer import bounded_buffer
from source_posthog.dlt.feed import Feed
from source_posthog.dlt.options import selected_streams
from source_posthog.dlt.source import build_source, log_to_logging
from source_posthog.errors import ConnectorError
from source_posthog.sync.failures import failed_streams_error

CHECKPOINT_RECORDS = 1  # a commit at every STATE after a record: each page, as Airbyte mode
Log = Callable[[str, str], None]


@dataclass
class LoadResult:
    """What the runs of one load did: its streams, rows loaded per table, dlt runs made, failed streams and why."""

    streams: list[str] = field(default_factory=list)
    rows: Counter[str] = field(default_factory=Counter)
    runs: int = 0
    failed: dict[str, ConnectorError] = field(default_factory=dict)


@dataclass(frozen=True)
class RunOptions:
    """How the runs go: records per checkpoint run (None: one per read), file format, progress log, destination."""

    checkpoint_records: int | None = CHECKPOINT_RECORDS
    loader_file_format: TLoaderFileFormat | None = None
    log: Log = log_to_logging
    destination: str = "the pipeline's destination"


def load_posthog(
    pipeline: Pipeline,
    streams: list[str] | None = None,
    checkpoint_records: int | None = CHECKPOINT_RECORDS,
    loader_file_format: TLoaderFileFormat | None = None,
    log: Log = log_to_logging,
    **config: Any,
) -> LoadResult:
    """Load `streams` (default: all) of the PostHog account `config` describes, checkpoint by checkpoint.

    Raises, after every other stream is loaded, one ConnectorError naming the streams that failed.
    """
    options = RunOptions(checkpoint_records, loader_file_format, log)
    result = run_streams(pipeline, config, ",".join(streams or []), options)
    if result.failed:
        raise failed_streams_error(result.failed, len(result.streams))
    return result


def run_streams(pipeline: Pipeline, config: dict[str, Any], streams: str | None, options: RunOptions) -> LoadResult:
    """The runs of one load of the streams named (comma-separated; all if none); failed streams are in the result."""
    source, feeds = build_source(config, options.log, keep_going=True)
    result = LoadResult(streams=selected_streams(streams, list(feeds)))  # an unknown name is a ConfigError
    incremental = {name for name, resource in source.resources.items() if resource.write_disposition == "merge"}
    options.log("INFO", f"Loading {len(result.streams)} stream(s) into {options.destination}.")
    finish_pending(pipeline, options.log)
    try:
        for group in plan(result.streams, incremental):
            run_group(pipeline, Selection(source, feeds, group, group[0] in incremental), options, result)
    finally:
        for feed in feeds.values():
            feed.close()
    return result


def plan(streams: list[str], incremental: set[str]) -> list[list[str]]:
    """The runs' streams, in the given order: each incremental stream alone, consecutive full-refresh ones together."""
    groups: list[list[str]] = []
    for name in streams:
        if name in incremental or not groups or groups[-1][0] in incremental:
            groups.append([name])
        else:
            groups[-1].append(name)
    return groups


@dataclass(frozen=True)
class Selection:
    """The streams of one group of runs, with the source and the feeds behind its resources."""

    source: DltSource
    feeds: dict[str, Feed]
    names: list[str]
    incremental: bool


def run_group(pipeline: Pipeline, group: Selection, options: RunOptions, result: LoadResult) -> None:
    """Run the group's streams until their reads end: one dlt run per checkpoint (incremental) or one run."""
    feeds = [group.feeds[name] for name in group.names]
    for feed in feeds:
        feed.segment_records = (options.checkpoint_records or None) if group.incremental else None  # 0: one run
    file_format: dict[str, Any] = (
        {"loader_file_format": options.loader_file_format} if options.loader_file_format else {}
    )
    while True:
        with bounded_buffer(feeds):
            pipeline.run(group.source.with_resources(*group.names), **file_format)
        result.runs += 1
        result.rows.update(run_rows(pipeline, group.names))
        if not any(feed.paused for feed in feeds):
            break
        first = group.names[0]
        options.log("INFO", f"{first}: checkpoint committed, {result.rows[first]:,} rows loaded so far")
    for name, feed in zip(group.names, feeds, strict=True):
        if feed.failure is not None:
            result.failed[name] = feed.failure


def run_rows(pipeline: Pipeline, group: list[str]) -> dict[str, int]:
    """Rows the last run loaded into each table of the group."""
    info = pipeline.last_trace.last_normalize_info if pipeline.last_trace else None
    counts = info.row_counts if info else {}
    return {name: counts.get(name, 0) for name in group}


def finish_pending(pipeline: Pipeline, log: Log) -> None:
    """Load what an interrupted run extracted (its checkpoint is already the local state) before reading on.

    The file format was chosen at extract time and is kept in the package (dlt 1.31 `Pipeline.normalize` takes none).
    """
    if not pipeline.has_pending_data:
        return
    log("INFO", "Loading what the interrupted last run had extracted.")
    pipeline.normalize()
    pipeline.load()
