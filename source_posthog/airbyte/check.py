"""`check`: prove that a read would work — the key, at least one project, and every stream's scope.

Each stream is probed with one tiny request against the first project, so a missing scope is reported with
the scope's name and the stream it blocks, instead of failing hours into a sync. Only the existing
connector's streams (`Stream.original`) must be readable: syncs set up for it select them all. A newer
stream whose scope the key lacks, or that this instance does not have (a self-hosted PostHog without EE has
no experiments), is named in the success message; a read skips the missing ones and fails on the unreadable.
"""

from dataclasses import dataclass, field

from source_posthog.airbyte.messages import Output
from source_posthog.config.model import Config
from source_posthog.errors import ApiError, ConfigError, ConnectorError, Refusal, TransientError
from source_posthog.http.client import ApiClient
from source_posthog.streams.context import ReadContext
from source_posthog.streams.events.filter import EventFilter
from source_posthog.streams.readers import absence, missing_here, probe_stream
from source_posthog.streams.stream import AnyStream, CustomSpec
from source_posthog.streams.table import PROJECTS, streams_for
from source_posthog.sync.run import start_read


@dataclass
class Findings:
    """What the probes found: problems fail check; everything else is told in the success message."""

    problems: list[str] = field(default_factory=list)
    unreadable: dict[str, list[str]] = field(default_factory=dict)
    """scope -> newer streams that need it."""
    absent: list[str] = field(default_factory=list)
    """Newer streams this instance does not have, each with why."""
    failing: list[str] = field(default_factory=list)
    """Newer streams whose probe failed otherwise (a read would fail them, and only them)."""
    notes: list[str] = field(default_factory=list)
    """How a stream will be read, when the instance makes it differ (legacy /events/)."""
    broken: list[str] = field(default_factory=list)
    """Custom queries PostHog refused, each naming its stream and quoting PostHog: they fail check."""


def run_check(client: ApiClient, config: Config, output: Output) -> str:
    """Return a success summary, or raise ConnectorError describing what the user must fix."""
    try:
        context, _progress = start_read(config, client, output)
    except TransientError as error:  # the message already names the cause and what to check, once
        raise ConfigError(error.message) from None
    except ApiError as error:
        if error.refusal is Refusal.MISSING_SCOPE and error.scope == PROJECTS.scope:
            raise ConfigError(f"{blocked(PROJECTS)}: {error.message}") from None
        raise
    project_id = context.projects[0]["id"]
    found = Findings()
    for stream in (stream for stream in streams_for(config) if stream.per_project):
        probe(stream, context, project_id, found)
    if found.problems:
        raise ConfigError("The API key cannot read every stream: " + "; ".join(found.problems + found.broken))
    if found.broken:  # the built-in streams are readable: only the user's queries need fixing
        raise ConfigError("Every built-in stream is readable, but: " + "; ".join(found.broken))
    return " ".join([success(config, len(context.projects), found), *found.notes])


def probe(stream: AnyStream, context: ReadContext, project_id: int, found: Findings) -> None:
    """Probe one stream and file what it shows under `found`."""
    try:
        note = probe_stream(stream, context, project_id)
    except ApiError as error:
        if missing_here(stream, error):
            found.absent.append(absence(stream, error))
        elif error.status == 403:
            refused(stream, error, project_id, found)
        elif stream.original or error.failure_type == "config_error":
            raise
        else:
            found.failing.append(f"{stream.name} ({error.message})")
        return
    except ConnectorError as error:  # a newer stream's own trouble must not fail check for the original seven
        if stream.original:
            raise
        if isinstance(stream.read, CustomSpec) and error.failure_type == "config_error":
            found.broken.append(error.message)  # the user's query: theirs to fix, named by its stream
            return
        found.failing.append(f"{stream.name} ({error.message})")
        return
    found.notes += [note] if note else []


def refused(stream: AnyStream, error: ApiError, project_id: int, found: Findings) -> None:
    """A 403: the stream's scope is missing (a problem for an original stream), or the project is refused."""
    if error.scope != stream.scope:
        found.problems.append(f"stream {stream.name} is refused for project {project_id}: {error.message}")
    elif stream.original:
        found.problems.append(f"{blocked(stream)}.")
    else:
        found.unreadable.setdefault(stream.scope, []).append(stream.name)


def success(config: Config, projects: int, found: Findings) -> str:
    """The success message: projects, which newer streams are missing or unreadable, and the event filters."""
    exceptions = [f"streams {', '.join(names)} would need scope {scope}" for scope, names in found.unreadable.items()]
    if found.absent:
        exceptions.append(f"not on this instance, so a read skips them: {'; '.join(found.absent)}")
    if found.failing:
        exceptions.append(f"answered an error, so a read may fail them: {'; '.join(found.failing)}")
    message = f"Connected to {config.base_url}: {projects} project(s) reachable, "
    if exceptions:
        message += f"every stream readable except newer ones: {'; '.join(exceptions)}."
    else:
        message += "every stream readable."
    return message + f" Events synced: {EventFilter.of(config).describe()}."


def blocked(stream: AnyStream) -> str:
    """How check names a missing scope: the scope, and the stream it blocks."""
    return (
        f"missing scope {stream.scope} blocks stream {stream.name} (add it to the key in PostHog → Settings → "
        "Personal API keys, or deselect the stream)"
    )
