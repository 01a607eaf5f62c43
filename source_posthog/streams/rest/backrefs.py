"""How an insight names the dashboards it is on: the `via` of the dashboards row's Backref (table.py)."""

from typing import Any


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
