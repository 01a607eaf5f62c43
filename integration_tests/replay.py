"""What each logged list request answered, asked again: the emulator's request log keeps no bodies."""

from urllib.parse import urlsplit

import requests

from posthog_emulator import Emulator


def replayed_pages(emu: Emulator, path_end: str) -> list[tuple[str, list[str]]]:
    """Each successful GET whose path ends with `path_end`: its `limit` ("" if none) and the ids it answers."""
    out = []
    with requests.Session() as client:
        client.headers["Authorization"] = f"Bearer {emu.api_key}"
        for entry in emu.requests:
            if entry["path"].rstrip("/").endswith(path_end) and entry["status"] == 200:
                url = urlsplit(entry["url"])
                body = client.get(f"{emu.base_url}{url.path}?{url.query}", timeout=60).json()
                out.append((entry["query"].get("limit", ""), [row["id"] for row in body["results"]]))
    return out
