"""PyAirbyte reads of every stream into one local DuckDB cache, each followed by a JSON summary line.

Run in the ecosystem venv by integration_tests/test_pyairbyte.py. Between reads it waits for a line on
stdin, so the test can change the emulator; later reads resume from the state PyAirbyte keeps in the cache.
One process for all reads, because importing PyAirbyte alone takes seconds.
Usage: pyairbyte_read.py EXE CONFIG CACHE_DIR READS.
"""

import json
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import airbyte as ab


def summarize(cache: Any, catalog: Any, processed: int, since: datetime) -> dict[str, Any]:
    """Rows, distinct primary keys and rows written since `since` per stream table, and every event id."""
    summary: dict[str, Any] = {"processed_records": processed, "rows": {}, "distinct_ids": {}, "written": {}}
    with cache.get_sql_engine().connect() as connection:  # a leaked connection breaks the next read
        for entry in catalog.streams:  # what discover lists: every stream of the connector's table
            stream = entry.name
            table = cache.processor.get_sql_table_name(stream)
            key = ", ".join(name for path in entry.source_defined_primary_key for name in path)
            sql = f"SELECT count(*), count(DISTINCT ({key})) FROM {table}"  # noqa: S608
            summary["rows"][stream], summary["distinct_ids"][stream] = connection.exec_driver_sql(sql).one()
            modes = {str(getattr(mode, "value", mode)) for mode in entry.supported_sync_modes}
            if "incremental" in modes:  # re-delivered rows are merged: their extraction time is this read's
                stamps = connection.exec_driver_sql(f"SELECT _airbyte_extracted_at FROM {table}").scalars().all()  # noqa: S608
                summary["written"][stream] = sum(as_utc(stamp) >= since for stamp in stamps)
        table = cache.processor.get_sql_table_name("events")
        event_ids = connection.exec_driver_sql(f"SELECT id FROM {table}").scalars().all()  # noqa: S608
    summary["event_ids"] = sorted(str(event_id) for event_id in event_ids)
    return summary


def as_utc(stamp: datetime) -> datetime:
    return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)


def main(executable: str, config_path: str, cache_dir: str, reads: str) -> None:
    cache = ab.new_local_cache("source_posthog_test", cache_dir=cache_dir)
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    source = ab.get_source("source-posthog", local_executable=executable, config=config, streams="*")
    source.check()
    for number in range(int(reads)):
        if number:
            sys.stdin.readline()
        since = datetime.now(UTC) - timedelta(seconds=1)  # extraction stamps are whole milliseconds
        result = source.read(cache=cache)
        print(json.dumps(summarize(cache, source.discovered_catalog, result.processed_records, since)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
