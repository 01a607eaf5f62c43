"""`check`: prove that a read would work — the key, at least one project, and every stream's scope.

Each stream is probed with one tiny request against the first project, so a missing scope is reported with
the scope's name and the stream it blocks, instead of failing hours into a sync. Only the existing
connector's streams (`Stream.original`) must be readable: syncs set up for it select them all. A newer
stream whose scope the key lacks is listed in the success message, and fails only a read that selects it.
"""

from source_posthog.airbyte.messages import Output
from source_posthog.config import Config
from source_posthog.errors import ApiError, ConfigError, Refusal, TransientError
from source_posthog.http.client import ApiClient
from source_posthog.streams.context import Sync
from source_posthog.streams.event_filter import EventFilter
from source_posthog.streams.readers import probe_stream
from source_posthog.streams.stream import Stream
from source_posthog.streams.table import PROJECTS, STREAMS
from source_posthog.sync.run import start_sync


def run_check(client: ApiClient, config: Config, output: Output) -> str:
    """Return a success summary, or raise ConnectorError describing what the user must fix."""
    try:
        sync, _progress = start_sync(config, client, output)
    except TransientError as error:  # the message already names the cause and what to check, once
        raise ConfigError(error.message) from None
    except ApiError as error:
        if error.refusal is Refusal.MISSING_SCOPE and error.scope == PROJECTS.scope:
            raise ConfigError(f"{blocked(PROJECTS)}: {error.message}") from None
        raise
    project_id = sync.projects[0]["id"]
    problems: list[str] = []
    unreadable: dict[str, list[str]] = {}  # scope -> newer streams that need it
    notes: list[str] = []  # how a stream will be read, when the instance makes it differ (legacy /events/)
    for stream in (stream for stream in STREAMS if stream.per_project):
        problem = probe(stream, sync, project_id, notes)
        if problem is None:
            continue
        if problem == stream.scope and not stream.original:
            unreadable.setdefault(stream.scope, []).append(stream.name)
        else:
            problems.append(f"{blocked(stream)}." if problem == stream.scope else problem)
    if problems:
        raise ConfigError("The API key cannot read every stream: " + "; ".join(problems))
    return " ".join([success(config, len(sync.projects), unreadable), *notes])


def probe(stream: Stream, sync: Sync, project_id: int, notes: list[str]) -> str | None:
    """Probe one stream: None if readable, its scope if that is missing, else the problem a 403 reveals."""
    try:
        note = probe_stream(stream, sync, project_id)
    except ApiError as error:
        if error.status != 403:
            raise
        if error.scope == stream.scope:
            return stream.scope
        return f"stream {stream.name} is refused for project {project_id}: {error.message}"
    notes += [note] if note else []
    return None


def success(config: Config, projects: int, unreadable: dict[str, list[str]]) -> str:
    """The success message: projects, which streams the key cannot read yet, and the event filters."""
    message = f"Connected to {config.base_url}: {projects} project(s) reachable, "
    if not unreadable:
        message += "every stream readable."
    else:
        needs = "; ".join(f"streams {', '.join(names)} would need scope {scope}" for scope, names in unreadable.items())
        message += f"every stream readable except newer ones the key has no scope for: {needs}."
    return message + f" Events synced: {EventFilter.of(config).describe()}."


def blocked(stream: Stream) -> str:
    """How check names a missing scope: the scope, and the stream it blocks."""
    return (
        f"missing scope {stream.scope} blocks stream {stream.name} (add it to the key in PostHog → Settings → "
        "Personal API keys, or deselect the stream)"
    )
