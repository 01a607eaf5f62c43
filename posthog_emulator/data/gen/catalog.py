"""Seeded actions, dashboards, experiments, surveys and early-access features of a project (serializer shapes).

Each project gets its own random stream (`catalog-<seed>-<pid>`), so adding these lists leaves the events,
persons and older entities of a seed exactly as they were. Dashboards are pinned to some of the project's
live insights, whose `dashboards` and `dashboard_tiles` fields then name them, as PostHog's tiles do.
"""

from __future__ import annotations

import random
from typing import Any

from posthog_emulator.common.timefmt import DAY_US, drf
from posthog_emulator.data import ids
from posthog_emulator.data.gen import record_fields
from posthog_emulator.data.gen.draws import Draws

STAGES = ("draft", "concept", "alpha", "beta", "general-availability", "archived")


class CatalogMaker(Draws):
    """Builds the lists for one project; integer ids are unique across projects, like PostHog's."""

    def __init__(self, users: list[dict[str, Any]], start: int, end: int) -> None:
        rng = random.Random()  # noqa: S311 - reseeded per project
        super().__init__(rng, users, start, end, ("action", "dashboard", "experiment", "tile"))

    def _flag(self, pid: int, key: str) -> dict[str, Any]:
        """A MinimalFeatureFlagSerializer object."""
        filters = {"groups": [{"properties": [], "rollout_percentage": 100}]}
        flag: dict[str, Any] = {"id": self.rng.randrange(1, 10_000), "team_id": pid, "name": "", "key": key}
        flag["filters"] = filters
        return flag | {"deleted": False, "active": True, "ensure_experience_continuity": False, "version": 1}

    def action(self, pid: int, deleted: bool) -> dict[str, Any]:
        """An action with one or two steps; `_calculated` orders the list."""
        aid, created = self._id("action"), self._time()
        step: dict[str, Any] = {"event": "$pageview", "properties": [], "selector": None, "tag_name": None}
        step["text"] = None
        step |= {
            "text_matching": None,
            "href": None,
            "href_matching": None,
            "url": "/pricing",
            "url_matching": "contains",
        }
        steps = [step] + (
            [{**step, "event": "$autocapture", "selector": "button#signup", "url": None}] if aid % 2 else []
        )
        return {
            "id": aid,
            "name": f"Action {aid}",
            "description": "",
            "tags": [],
            "post_to_slack": False,
            "slack_message_format": "",
            "steps": steps,
            "created_at": drf(created),
            "created_by": self._user(),
            "deleted": deleted,
            "is_calculating": False,
            "last_calculated_at": drf(created + DAY_US),
            "team_id": pid,
            "is_action": True,
            "bytecode_error": None,
            "pinned_at": None,
            "creation_context": None,
            "user_access_level": "editor",
            "_calculated": created + DAY_US,
        }

    def dashboard(self, pid: int, deleted: bool, insights: list[dict[str, Any]]) -> dict[str, Any]:
        """A dashboard (DashboardBasicSerializer fields) whose tiles hold some live insights."""
        did, created = self._id("dashboard"), self._time()
        live = [i for i in insights if not i["deleted"]]
        for insight in self.rng.sample(live, min(len(live), self.rng.randrange(0, 4))):
            insight["dashboards"].append(did)
            insight["dashboard_tiles"].append({"id": self._id("tile"), "dashboard_id": did, "deleted": None})
        return {
            "id": did,
            "name": "My App Dashboard" if did % 2 else f"Dashboard {did}",  # names repeat (from a template)
            "description": "",
            "pinned": did % 3 == 0,
            "created_at": drf(created),
            "created_by": self._user(),
            "last_accessed_at": drf(created + DAY_US),
            "last_viewed_at": None,
            "is_shared": False,
            "deleted": deleted,
            "creation_mode": "default",
            "tags": [],
            "restriction_level": 21,
            "effective_restriction_level": 21,
            "effective_privilege_level": 37,
            "user_access_level": "editor",
            "access_control_version": "v2",
            "last_refresh": None,
            "team_id": pid,
        }

    def experiment(self, pid: int, archived: bool, deleted: bool) -> dict[str, Any]:
        """An experiment with its flag and one metric; `_created` orders the list."""
        eid, created = self._id("experiment"), self._time()
        started = created + DAY_US if eid % 4 else None
        variants = [{"key": "control", "rollout_percentage": 50}, {"key": "test", "rollout_percentage": 50}]
        metric = {"kind": "ExperimentMetric", "metric_type": "funnel", "uuid": ids.uuid7(self.rng, created)}
        return {
            "id": eid,
            "name": f"Experiment {eid}",
            "description": None,
            "start_date": drf(started),
            "end_date": drf(started + 14 * DAY_US) if started and eid % 3 == 0 else None,
            "feature_flag_key": f"experiment-{eid}",
            "feature_flag": self._flag(pid, f"experiment-{eid}"),
            "holdout": None,
            "holdout_id": None,
            "exposure_cohort": None,
            "parameters": {"feature_flag_variants": variants},
            "secondary_metrics": [],
            "saved_metrics": [],
            "filters": {},
            "archived": archived,
            "deleted": deleted,
            "created_by": self._user(),
            "created_at": drf(created),
            "updated_at": drf(created + DAY_US),
            "type": "product",
            "metrics": [metric],
            "metrics_secondary": [],
            "stats_config": None,
            "conclusion": None,
            "status": "draft" if started is None else "running",
            "user_access_level": "editor",
            "_created": created,
        }

    def survey(self, archived: bool) -> dict[str, Any]:
        """A popover survey with two questions; ids are UUIDs."""
        created = self._time()
        questions: list[dict[str, Any]] = [
            {"id": ids.uuid7(self.rng, created), "type": "rating", "question": "How likely are you to recommend us?"},
            {"id": ids.uuid7(self.rng, created + 1), "type": "open", "question": "Why?", "optional": True},
        ]
        questions[0] |= {"scale": 10, "display": "number", "lowerBoundLabel": "Unlikely", "upperBoundLabel": "Very"}
        return {
            "id": ids.uuid7(self.rng, created),
            "name": f"NPS {created % 1000}",
            "description": "",
            "type": "popover",
            "schedule": "once",
            "linked_flag": None,
            "linked_flag_id": None,
            "linked_insight_id": None,
            "targeting_flag": None,
            "internal_targeting_flag": None,
            "questions": questions,
            "conditions": {"url": "/pricing", "events": {"values": []}},
            "appearance": {"backgroundColor": "#eeeded", "submitButtonColor": "black"},
            "created_at": drf(created),
            "created_by": self._user(),
            "start_date": drf(created + DAY_US),
            "end_date": None,
            "archived": archived,
            **record_fields.survey_fields(),
            "_created": created,
        }

    def early_access_feature(self, pid: int, stage: str) -> dict[str, Any]:
        """An early access feature in `stage` (archived ones are listed too)."""
        created = self._time()
        key = f"early-{created % 100_000}"
        return {
            "id": ids.uuid7(self.rng, created),
            "feature_flag": self._flag(pid, key),
            "name": f"Feature {key}",
            "description": "Try it before everyone else.",
            "stage": stage,
            "documentation_url": "",
            "payload": {},
            "created_at": drf(created),
            "created_by": self._user(),
            "assignee": None,
            "user_access_level": "editor",
            "_created": created,
        }


def make_catalog(maker: CatalogMaker, seed: int, pid: int, insights: list[dict[str, Any]]) -> dict[str, Any]:
    """The project's lists, each with some deleted or archived members where PostHog has them."""
    maker.rng.seed(f"catalog-{seed}-{pid}")
    return {
        "actions": [maker.action(pid, deleted=k % 5 == 4) for k in range(7)],
        "dashboards": [maker.dashboard(pid, k % 4 == 3, insights) for k in range(5)],
        "experiments": [maker.experiment(pid, archived=k % 3 == 2, deleted=k % 7 == 6) for k in range(7)],
        "surveys": [maker.survey(archived=k % 3 == 2) for k in range(4)],
        "early_access_features": [maker.early_access_feature(pid, STAGES[k % len(STAGES)]) for k in range(6)],
    }
