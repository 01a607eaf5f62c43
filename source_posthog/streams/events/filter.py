"""Event-name filters (`events_include`, `events_exclude`): PostHog applies them inside every events query.

Events are never read and then dropped: `/query/` gets `event IN {events_include} AND event NOT IN
{events_exclude}` with the names as placeholder values, and the legacy `/events/` list the same test as a
HogQL property filter. The filters in force are saved in the events state beside the cursors; a sync
whose filters differ warns that the cursor is kept, so events newly included are not back-filled for the
time already synced unless the stream is reset.
"""

from dataclasses import dataclass
from typing import Any, TypeGuard

from source_posthog.config.model import Config
from source_posthog.streams.context import Sink
from source_posthog.streams.query.sql import Condition

STATE_KEY = "event_filters"  # top level of the events state, beside the per-project cursors
HOGQL_ESCAPES = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"}


@dataclass(frozen=True)
class EventFilter:
    """Which event names a sync reads: only `include` (if any), never `exclude`."""

    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    @classmethod
    def of(cls, config: Config) -> "EventFilter":
        """The filter a config asks for, names sorted and unique so equal filters compare equal."""
        return cls(tuple(sorted(set(config.events_include))), tuple(sorted(set(config.events_exclude))))

    @classmethod
    def from_state(cls, stream_state: Any) -> "EventFilter":
        """The filter recorded in an events state; none recorded means every event was read."""
        saved = stream_state.get(STATE_KEY) if isinstance(stream_state, dict) else None
        if not isinstance(saved, dict):
            return cls()
        include, exclude = saved.get("include"), saved.get("exclude")
        if not (names_list(include) and names_list(exclude)):
            return cls()  # advisory only: an unreadable record must not fail the sync
        return cls(tuple(sorted(set(include))), tuple(sorted(set(exclude))))

    def condition(self) -> Condition | None:
        """The WHERE fragment for `/query/`, names as placeholders; None when every event is read."""
        parts = [("event IN {events_include}", {"events_include": list(self.include)})] if self.include else []
        parts += [("event NOT IN {events_exclude}", {"events_exclude": list(self.exclude)})] if self.exclude else []
        if not parts:
            return None
        return " AND ".join(sql for sql, _ in parts), {k: v for _, values in parts for k, v in values.items()}

    def hogql_expression(self) -> str | None:
        """The same test as literal HogQL, for `/events/`'s property filter (it takes no placeholders)."""
        parts = [f"event IN ({literals(self.include)})"] if self.include else []
        parts += [f"event NOT IN ({literals(self.exclude)})"] if self.exclude else []
        return " AND ".join(parts) or None

    def to_state(self) -> dict[str, list[str]] | None:
        """What the events state records; None when every event is read (an older state says the same)."""
        if not self.include and not self.exclude:
            return None
        return {"include": list(self.include), "exclude": list(self.exclude)}

    def describe(self) -> str:
        """In words, for `check` and the warnings."""
        if not self.include and not self.exclude:
            return "every event"
        only = f"only {', '.join(self.include)}" if self.include else "every event"
        return only + (f" except {', '.join(self.exclude)}" if self.exclude else "")


def names_list(value: Any) -> TypeGuard[list[str]]:
    """Is `value` a list of event names?"""
    return isinstance(value, list) and all(isinstance(name, str) for name in value)


def literals(names: tuple[str, ...]) -> str:
    """Names as HogQL string literals, escaped as HogQL reads them."""
    return ", ".join("'" + "".join(HOGQL_ESCAPES.get(char, char) for char in name) + "'" for name in names)


def warn_if_changed(recorded: EventFilter, current: EventFilter, sink: Sink) -> None:
    """Tell the user that changed filters keep the cursor: what they newly include is not back-filled."""
    if recorded == current:
        return
    sink.log(
        "WARN",
        f"The event filters changed since the saved state (was: {recorded.describe()}; now: {current.describe()}). "
        "The events cursor is kept: events the new filters include are read only from the cursor on, not for "
        "the time already synced; reset the events stream to back-fill them. Events they now exclude stay in "
        "the destination.",
    )
