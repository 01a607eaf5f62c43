"""`Emulator`: build the data, serve it on 127.0.0.1 from a daemon thread, expose test helpers."""

from __future__ import annotations

import dataclasses
import threading
from datetime import datetime
from typing import Any

from posthog_emulator.common.timefmt import iso_utc, parse_datetime, to_micros
from posthog_emulator.config.settings import EmulatorSettings
from posthog_emulator.lists.recordings import recording_ids
from posthog_emulator.server import control
from posthog_emulator.server.app import App
from posthog_emulator.server.server import EmulatorServer
from posthog_emulator.state import group_touch
from posthog_emulator.state.runtime import Runtime


class Emulator:
    """A PostHog private API on 127.0.0.1; `Emulator(seed=1, events=10_000).start()`."""

    def __init__(self, settings: EmulatorSettings | None = None, **overrides: Any) -> None:
        base = settings or EmulatorSettings()
        self.settings = dataclasses.replace(base, **overrides) if overrides else base
        self.app = App(Runtime.create(self.settings))
        self._server: EmulatorServer | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> Emulator:
        """Serve from a daemon thread (port 0 = any free port) and return self."""
        self._server = EmulatorServer((self.settings.host, self.settings.port), self.app)
        self._thread = threading.Thread(target=self._server.serve_forever, name="posthog-emulator", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        """Shut the server down and release the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> Emulator:
        return self.start() if self._server is None else self

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        """`http://127.0.0.1:PORT`, the connector's `base_url`."""
        if self._server is None:
            raise RuntimeError("emulator not started")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def admin_url(self) -> str:
        """Root of the `/_emulator/` routes."""
        return f"{self.base_url}/_emulator"

    @property
    def api_key(self) -> str:
        """A personal key with every scope (`*`)."""
        return self.app.rt.keys["all"].secret

    @property
    def keys(self) -> dict[str, str]:
        """Secrets by name.

        all, read_only, write_scopes, no_person_read, no_query_read, project_scoped (first project
        only), legacy_unscoped, plus project_token (a `phc_` project token: always 401).
        """
        keys = {name: key.secret for name, key in self.app.rt.keys.items()}
        keys["project_token"] = self.app.rt.dataset.projects[0]["api_token"]
        return keys

    @property
    def project_ids(self) -> list[int]:
        """All project ids, edge projects included."""
        return [p["id"] for p in self.app.rt.dataset.projects]

    @property
    def projects(self) -> list[dict[str, Any]]:
        """Copies of the project records."""
        return [dict(p) for p in self.app.rt.dataset.projects]

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Snapshot of the API request log (admin routes excluded)."""
        return list(self.app.rt.log)

    def clear_requests(self) -> None:
        """Empty the request log."""
        self.app.rt.log.clear()

    def truth(self, stream: str, unique: bool = False) -> Any:
        """{project_id: sorted ids} a complete sync must deliver; `unique=True`: one sorted list."""
        return control.unique_ids(self.app, stream) if unique else control.truth(self.app, stream)

    def duplicated_ids(self, project_id: int) -> list[str]:
        """Ids stored twice under the `duplicate_rows` quirk: /query/ and /events/ return both copies."""
        return control.duplicated_ids(self.app)[project_id]

    def append_events(self, project_id: int, events: list[dict[str, Any]]) -> list[str]:
        """Insert events: dicts with `timestamp`, optional event/distinct_id/properties/uuid/created_at.

        `created_at` (ingestion time, HogQL only) defaults to the wall clock now: a back-dated
        append is a late event.
        """
        return self.app.rt.dataset.append_events(project_id, events)

    def weigh_recordings(self, project_id: int, every: int, person_bytes: int) -> list[str]:
        """Give every `every`-th listed recording a person with `person_bytes` more of properties; their ids.

        PostHog lists each recording with its person (`SessionRecordingSerializer.person` is a
        `MinimalPersonSerializer`: every property, ten distinct ids; posthog/session_recordings/
        session_recording_api.py and posthog/api/person.py, index ids 446966237 and 48119449, no commit
        returned), so a person with large properties makes the recording's row as large (issue 23).
        """
        listed = set(recording_ids(self.app.rt, project_id))  # not deleted, not past retention
        recordings = self.app.rt.dataset.entities[project_id].get("session_recordings", [])
        heavy = [r for r in recordings if r["session_id"] in listed][every - 1 :: every]
        for recording in heavy:  # a copy: the person's own record (persons list) stays light
            person = recording["person"]
            recording["person"] = {**person, "properties": {**person["properties"], "$bio": "z" * person_bytes}}
        return [recording["session_id"] for recording in heavy]

    def append_tie_block(
        self, project_id: int, timestamp: datetime | str, n: int, event: str = "$pageview"
    ) -> list[str]:
        """N events sharing one timestamp (a batch import)."""
        return self.append_events(project_id, [{"timestamp": timestamp, "event": event} for _ in range(n)])

    def events_at(self, project_id: int, timestamp: datetime | str) -> list[str]:
        """Ids of the events stamped exactly `timestamp`, in ClickHouse (timestamp, uuid) order."""
        us = to_micros(timestamp) if isinstance(timestamp, datetime) else parse_datetime(timestamp)
        store = self.app.rt.dataset.events[project_id]
        with store.lock:
            lo, hi = store.span(us, us)
            return [store.uuid(i) for i in range(lo, hi)]

    def tie_blocks(self, project_id: int, min_size: int = 2) -> list[tuple[str, int]]:
        """(ISO timestamp, size) of every run of >= min_size events sharing a timestamp."""
        store = self.app.rt.dataset.events[project_id]
        out, i = [], 0
        with store.lock:
            while i < len(store):
                lo, hi = store.span(store.ts[i], store.ts[i])
                if hi - lo >= min_size:
                    out.append((iso_utc(store.ts[i]), hi - lo))
                i = hi
        return out

    def touch_groups(self, n_updated: int, n_new: int = 0, project_id: int | None = None) -> list[list[Any]]:
        """Update `n_updated` groups and create `n_new`, stamped now (see group_touch); their [index, key].

        `project_id` defaults to the first project. A later incremental read on `updated_at` must deliver
        exactly these rows (and any touched after them).
        """
        pid = self.project_ids[0] if project_id is None else project_id
        return group_touch.touch_groups(self.app.rt, pid, n_updated, n_new)

    def configure(self, quirks: Any = None, faults: Any = None, limits: Any = None) -> dict[str, Any]:
        """Change quirks/faults/limits at runtime (dicts update fields; quirks=False = ideal API)."""
        return control.configure(self.app, quirks, faults, limits)

    def reset(self, data: bool = True) -> None:
        """Startup settings, empty log and counters, and (by default) the seeded data again."""
        control.reset(self.app, data)
