"""PyAirbyte reading the events stream of `source-posthog` into a local DuckDB cache (run in .venv-eco).

Usage: pyairbyte_load.py EXE CONFIG CACHE_DIR. Prints one JSON line: rows and distinct ids in the cache's table.
Timed from outside by bench/dlt_load.py, import of PyAirbyte included (as a user would pay it).
"""

import json
import sys
from pathlib import Path

import airbyte as ab


def main(executable: str, config_path: str, cache_dir: str) -> None:
    cache = ab.new_local_cache("source_posthog_bench", cache_dir=cache_dir)
    config = json.loads(Path(config_path).read_text(encoding="utf-8"))
    source = ab.get_source("source-posthog", local_executable=executable, config=config, streams=["events"])
    source.read(cache=cache)
    table = cache.processor.get_sql_table_name("events")
    with cache.get_sql_engine().connect() as connection:
        rows, distinct = connection.exec_driver_sql(f"SELECT count(*), count(DISTINCT id) FROM {table}").one()  # noqa: S608
    print(json.dumps({"rows": rows, "distinct": distinct}), flush=True)


if __name__ == "__main__":
    main(*sys.argv[1:4])
