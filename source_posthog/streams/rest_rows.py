"""What varies between passes over a REST list, and ids gathered from another stream (rows of table.py)."""

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from source_posthog.streams.stream import Stream


@dataclass(frozen=True)
class Pass:
    """One complete pass over a REST list."""

    params: Mapping[str, str] = field(default_factory=dict)
    """Extra query parameters of this pass (feature flags: `archived=true` lists only archived ones)."""
    marks: Mapping[str, Any] = field(default_factory=dict)
    """Fields set on every record of this pass, for lists whose records do not say which pass listed them
    (a property definition does not say whether it is an event, person or group property)."""


@dataclass(frozen=True)
class Backref:
    """The ids of another stream's records that point at a record, gathered into one field of it.

    PostHog lists dashboards without their tiles, but every insight lists the dashboards it is on: reading
    the insights of the project once gives each dashboard its insight ids without one request per dashboard.
    """

    source: "Stream"
    via: str
    """The source record's field holding ids of this stream's records."""
    into: str
    """The field of this stream's records that receives the sorted source ids."""
