"""Seeded projects, users, annotations, cohorts, feature flags and insights (§6.1-§6.5 shapes).

Records are stored as the API prints them; keys starting with `_` are internal (owning project,
unloadable persons...) and stripped before serialising.
"""

from __future__ import annotations

import random
from typing import Any

from posthog_emulator.common.timefmt import DAY_US, drf
from posthog_emulator.data import ids
from posthog_emulator.data.gen import record_fields
from posthog_emulator.data.gen.draws import Draws

TIMEZONES = ("UTC", "America/New_York", "Asia/Kolkata", "Europe/Berlin")
FIRST_NAMES = ("Ana", "Bruno", "Chen", "Dana")
ANNOTATION_SCOPES = ("project", "project", "project", "dashboard_item", "dashboard")


def make_users(rng: random.Random) -> list[dict[str, Any]]:
    """Organisation members embedded as `created_by` (UserBasic)."""
    return [
        {
            "id": k + 1,
            "uuid": ids.uuid7(rng, 1_700_000_000_000_000 + k),
            "distinct_id": ids.short_id(rng, 24),
            "first_name": name,
            "last_name": "",
            "email": f"{name.lower()}@example.com",
            "is_email_verified": True,
            "hedgehog_config": None,
            "role_at_organization": "engineering",
        }
        for k, name in enumerate(FIRST_NAMES)
    ]


def make_project(rng: random.Random, pid: int, *, name: str, tz: str, org: str, created: int) -> dict[str, Any]:
    """A project record (§6.1) with its own `phc_` token."""
    return {
        "id": pid,
        "uuid": ids.uuid7(rng, created),
        "organization": org,
        "api_token": ids.token(rng, "phc_"),
        "name": name,
        "completed_snippet_onboarding": True,
        "has_completed_onboarding_for": {"product_analytics": True},
        "ingested_event": True,
        "is_demo": False,
        "timezone": tz,
        "access_control": False,
    }


class EntityMaker(Draws):
    """Builds per-project entity lists with globally unique integer ids."""

    def __init__(self, rng: random.Random, users: list[dict[str, Any]], start: int, end: int) -> None:
        super().__init__(rng, users, start, end, ("annotation", "cohort", "flag", "insight"))

    def annotation(self, pid: int, scope: str, deleted: bool) -> dict[str, Any]:
        """An annotation; `_project_id` owns it, `_marker` sorts it."""
        marker = self._time()
        marker -= marker % 60_000_000
        created = marker + self.rng.randrange(0, 3_600_000_000)
        dashboard = scope in ("dashboard_item", "dashboard")
        version = f"v{self.rng.randrange(1, 40)}.{self.rng.randrange(10)}"
        return {
            "id": self._id("annotation"),
            "content": f"Deployed {version}",
            "date_marker": drf(marker),
            "creation_type": self.rng.choice(("USR", "USR", "GIT")),
            "dashboard_item": self.rng.randrange(1, 500) if scope == "dashboard_item" else None,
            "dashboard_id": self.rng.randrange(1, 50) if dashboard else None,
            "dashboard_name": "Growth" if dashboard else None,
            "insight_short_id": ids.short_id(self.rng) if scope == "dashboard_item" else None,
            "insight_name": None,
            "insight_derived_name": None,
            "created_by": self._user(),
            "created_at": drf(created),
            "updated_at": drf(created),
            "deleted": deleted,
            "scope": scope,
            "recording_id": None,
            "is_emoji": self.rng.random() < 0.1,
            "_project_id": pid,
            "_marker": marker,
        }

    def cohort(self, deleted: bool) -> dict[str, Any]:
        """A cohort; static ones have no filters."""
        static = self.rng.random() < 0.3
        created = self._time()
        cid = self._id("cohort")
        return {
            "id": cid,
            "name": f"Cohort {cid}",
            "description": "",
            "groups": [],
            "deleted": deleted,
            "filters": None if static else {"properties": record_fields.cohort_properties()},
            "query": None,
            "version": None if static else self.rng.randrange(1, 20),
            "pending_version": None,
            "is_calculating": False,
            "created_by": self._user(),
            "created_at": drf(created),
            "last_calculation": drf(created + DAY_US),
            "last_backfill_person_properties_at": None,
            "errors_calculating": 0,
            "last_error_message": None,
            "count": self.rng.randrange(0, 5000),
            "is_static": static,
            "cohort_type": "static" if static else "person_property",
            "experiment_set": [],
            "_created": created,
        }

    def flag(self, archived: bool, deleted: bool) -> dict[str, Any]:
        """A feature flag with every §6.4 field; every third is multivariate."""
        created = self._time()
        fid = self._id("flag")
        multivariate = None if fid % 3 else record_fields.multivariate()
        return {
            "id": fid,
            "name": f"Flag {fid} description",
            "key": f"flag-{fid}",
            "filters": {
                "groups": [{"properties": [], "rollout_percentage": self.rng.choice((10, 50, 100)), "variant": None}],
                "multivariate": multivariate,
                "payloads": {},
                "aggregation_group_type_index": None,
            },
            "deleted": deleted,
            "active": not archived and self.rng.random() < 0.8,
            "archived": archived,
            "created_by": self._user(),
            "created_at": drf(created),
            "updated_at": drf(created + DAY_US),
            "version": self.rng.randrange(1, 9),
            "last_modified_by": self._user(),
            **record_fields.flag_fields(),
        }

    def insight(self, deleted: bool) -> dict[str, Any]:
        """A saved trends insight with every §6.5 field."""
        created = self._time()
        iid = self._id("insight")
        query = {
            "kind": "InsightVizNode",
            "source": {
                "kind": "TrendsQuery",
                "series": [{"kind": "EventsNode", "event": "$pageview", "math": "total"}],
            },
        }
        return {
            "id": iid,
            "short_id": ids.short_id(self.rng),
            "name": f"Insight {iid}",
            "derived_name": "Pageview count",
            "query": query,
            **record_fields.insight_state(deleted),
            "created_at": drf(created),
            "created_by": self._user(),
            "description": "",
            "updated_at": drf(created + DAY_US),
            "tags": [],
            "favorited": iid % 5 == 0,
            "saved": True,
            "last_modified_at": drf(created + DAY_US),
            "last_modified_by": self._user(),
            **record_fields.insight_fields(),
        }


def make_project_entities(maker: EntityMaker, pid: int, scale: int) -> dict[str, list[dict[str, Any]]]:
    """Annotations (some deleted), cohorts, flags (some archived/deleted) and insights of one project."""
    rng = maker.rng
    annotations = [maker.annotation(pid, rng.choice(ANNOTATION_SCOPES), k % 9 == 8) for k in range(25 * scale)]
    cohorts = [maker.cohort(k % 7 == 6) for k in range(8 * scale)]
    flags = [maker.flag(archived=k % 6 == 5, deleted=k % 11 == 10) for k in range(14 * scale)]
    insights = [maker.insight(k % 10 == 9) for k in range(22 * scale)]
    return {"annotations": annotations, "cohorts": cohorts, "feature_flags": flags, "insights": insights}
