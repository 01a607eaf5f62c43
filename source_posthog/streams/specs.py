"""The parts of a read spec that name no stream: a pass over a REST list, and how HogQL rows become records."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from enum import Enum
from typing import Any

IdsOf = Callable[[dict[str, Any]], list[Any] | None]
"""The ids a source record points at, or None when the record does not say (a field PostHog withheld)."""


class Shape(Enum):
    """How a page of HogQL rows becomes records (tables/persons.py)."""

    PLAIN = "plain"
    PERSONS = "persons"


@dataclass(frozen=True)
class Pass:
    """One complete pass over a REST list."""

    params: Mapping[str, str] = field(default_factory=dict)
    """Extra query parameters of this pass (feature flags: `archived=true` lists only archived ones)."""
    marks: Mapping[str, Any] = field(default_factory=dict)
    """Fields set on every record of this pass, for lists whose records do not say which pass listed them
    (a property definition does not say whether it is an event, person or group property)."""
    whole: bool = False
    """Read the list as one page, however long (rest/lists.py `whole_page`): for lists whose only order is not
    unique (dashboards: `-pinned, name`), where offset pages can skip or repeat a record."""
    optional: bool = False
    """A pass older instances refuse (400, e.g. a `type` value they do not know): skipped with a WARN."""
