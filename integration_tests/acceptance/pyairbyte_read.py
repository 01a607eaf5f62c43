"""PyAirbyte reads of every stream into one local DuckDB cache, each followed by a JSON summary line.

Run in the ecosystem venv by integration_tests/test_pyairbyte.py. Between reads it waits for a line on
stdin, so the test can change the emulator; later reads resume from the state PyAirbyte keeps in the cache.
One process for all reads, because importing PyAirbyte alone takes seconds.
Usage: pyairbyte_read.py EXE CONFIG CACHE_DIR READS.
"""

import json
import sys
from pathlib import Path
from typing import Any

import airbyte as ab


def summarize(cache: Any, streams: list[str], processed: int) -> dict[str, Any]:
    """Rows and distinct primary keys per stream table, and every event id the cache holds."""
    summary: dict[str, Any] = {"processed_records": processed, "rows": {}, "distinct_ids": {}}
    with cache.get_sql_engine().connect() as connection:  # a leaked connection breaks the next read
        for stream in streams:
            table = cache.processor.get_sql_table_name(stream)
            rows, distinct = connection.exec_driver_sql(f"SELECT count(*), count(DISTINCT id) FROM {table}").one()  # noqa: S608
            summary["rows"][stream], summary["distinct_ids"][stream] = rows, distinct
        table = cache.processor.get_sql_table_name("events")
        event_ids = connection.exec_driver_sql(f"SELECT id FROM {table}").scalars().all()  # noqa: S608
    summary["event_ids"] = sorted(str(event_id) for event_id in event_ids)
    return summary


def main(executable: str, config_path: str, cache_dir: str, reads: str) -> None:
    cache = ab.new_local_cache("source_posthog_test", cache_dir=cache_dir)
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    source = ab.get_source("source-posthog", local_executable=executable, config=config, streams="*")
    source.check()
    streams = source.get_available_streams()  # what discover lists: every stream of the connector's table
    for number in range(int(reads)):
        if number:
            sys.stdin.readline()
        result = source.read(cache=cache)
        print(json.dumps(summarize(cache, streams, result.processed_records)), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:5])
