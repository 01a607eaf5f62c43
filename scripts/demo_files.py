"""Write the demo's config and a configured catalog of every stream from the emulator's ready file."""

import json
import sys
from pathlib import Path

from source_posthog.streams.table import STREAMS


def main(folder: str) -> None:
    """Write config.json and catalog.json into `folder`."""
    out = Path(folder)
    emulator = json.loads((out / "emulator.json").read_text())
    config = {"api_key": emulator["api_key"], "base_url": emulator["base_url"], "start_date": "2020-01-01T00:00:00Z"}
    (out / "config.json").write_text(json.dumps(config, indent=2))
    streams = [
        {
            "stream": {"name": stream.name, "json_schema": {}, "supported_sync_modes": ["full_refresh"]},
            "sync_mode": "incremental" if stream.cursor_field else "full_refresh",
            "destination_sync_mode": "append_dedup" if stream.cursor_field else "overwrite",
        }
        for stream in STREAMS
    ]
    (out / "catalog.json").write_text(json.dumps({"streams": streams}, indent=2))


if __name__ == "__main__":
    main(sys.argv[1])
