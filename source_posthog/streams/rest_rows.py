"""What varies between passes over a REST list, and ids gathered from another stream (rows of table.py)."""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from source_posthog.streams.stream import Stream

IdsOf = Callable[[dict[str, Any]], list[Any] | None]
"""The ids a source record points at, or None when the record does not say (a field PostHog withheld)."""


@dataclass(frozen=True)
class Pass:
    """One complete pass over a REST list."""

    params: Mapping[str, str] = field(default_factory=dict)
    """Extra query parameters of this pass (feature flags: `archived=true` lists only archived ones)."""
    marks: Mapping[str, Any] = field(default_factory=dict)
    """Fields set on every record of this pass, for lists whose records do not say which pass listed them
    (a property definition does not say whether it is an event, person or group property)."""
    whole: bool = False
    """Read the list as one page, however long (rest.py `whole_page`): for lists whose only order is not unique
    (dashboards: `-pinned, name`), where offset pages can skip or repeat a record."""
    optional: bool = False
    """A pass older instances refuse (400, e.g. a `type` value they do not know): skipped with a WARN."""


@dataclass(frozen=True)
class Backref:
    """The ids of another stream's records that point at a record, gathered into one field of it.

    PostHog lists dashboards without their tiles, but every insight lists the dashboards it is on: reading
    the insights of the project once gives each dashboard its insight ids without one request per dashboard.
    """

    source: "Stream"
    via: IdsOf
    """The ids of this stream's records a source record points at (None: the source record does not say)."""
    into: str
    """The field of this stream's records that receives the sorted source ids (null when a source did not say)."""
    told: str
    """What `via` reads, for the WARN when a source record does not say."""


def tile_dashboard_ids(insight: dict[str, Any]) -> list[Any] | None:
    """The dashboards an insight is on: its `dashboard_tiles` (deleted tiles skipped), else `dashboards`.

    `dashboard_tiles` (`{id, dashboard_id, deleted}`) is in InsightBasicSerializer and always served; the
    deprecated `dashboards` field ("Use dashboard_tiles instead") is withheld from API keys when
    INSIGHT_DASHBOARDS_OPT_IN_ENFORCED is on (products/product_analytics/backend/api/insight.py @29f878e8,
    `should_serve_deprecated_dashboards_field`). Neither present: None, never an empty list.
    """
    tiles = insight.get("dashboard_tiles")
    if isinstance(tiles, list):
        live = (tile for tile in tiles if isinstance(tile, dict) and not tile.get("deleted"))
        return [tile["dashboard_id"] for tile in live if tile.get("dashboard_id") is not None]
    dashboards = insight.get("dashboards")
    return list(dashboards) if isinstance(dashboards, list) else None
