"""Every knob of the emulator: data shape, quirks and faults; rate limits and query cost in limit_settings.

Quirks default to how PostHog Cloud behaves today; `Quirks.ideal()` turns each one off for tests that
need a well-behaved API. Settings are frozen; `Emulator.configure` swaps in updated copies.
An instance profile (`EmulatorSettings.profile`: cloud, foss, old) only changes the defaults of a few
quirks, see PROFILES; the facts behind each are in docs/posthog-sources.md ("Emulator routes and profiles").
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from posthog_emulator.config.limit_settings import ClassLimit, Limits
from posthog_emulator.config.weights import Weights

FAULT_KINDS = ("500", "502", "503", "504", "reset", "truncated", "slow", "next_repeat", "next_foreign")


@dataclass(frozen=True)
class Quirks:
    """Real-API misbehaviours, each switchable; see posthog-api.md §6 for the originals."""

    events_limit_clamp: int | None = 1000  # /events/ silently caps `limit`; None = no cap
    events_exclusive_after: bool = True  # `after` is `>`; False makes it `>=`
    events_tie_loss: bool = True  # `next` moves the bound to the last timestamp, dropping ties
    events_window_probing: bool = True  # DESC reads probe 1m..24h windows (limit // 2 rule)
    events_after_default_24h: bool = True  # missing `after` means `before - 24h`
    events_offset_penalty_s: float = 1.0  # sleep added when offset > 0
    events_offset_cap: int | None = 50_000  # offset above this -> 400
    events_max_span_days: int | None = 366  # wider after..before span -> 500
    query_row_cap: int | None = 50_000  # explicit LIMIT silently capped
    query_reject_offset: bool = True  # OFFSET -> 400 for personal keys
    query_json_string_properties: bool = True  # properties column is a JSON string
    query_project_timezone: bool = True  # datetimes rendered in the project timezone
    query_ignore_tz_modifier: bool = False  # older instances ignore convertToProjectTimezone
    persons_short_pages: bool = True  # unloadable persons dropped from full pages
    org_annotations_everywhere: bool = True  # org-scoped annotations listed in every project
    flags_archived_hidden: bool = True  # archived flags only with archived=true
    insights_unstable_order: bool = True  # default insight order reshuffles per request
    dashboards_unstable_ties: bool = True  # same (pinned, name) dashboards come in any order per request
    enforce_scopes: bool = True  # scopes and project allow-lists of keys are checked
    query_api_available: bool = True  # False: /query/ routes 404 like an old self-hosted instance
    query_rejects_unknown_fields: bool = False  # old instance: `modifiers` in the node -> 400 parse_error
    duplicate_rows: float = 0.0  # fraction of events stored twice (ReplacingMergeTree before a merge)
    query_quota_exceeded: bool = False  # /query/ -> 402 quota_limit_exceeded (free org over its quota)
    ee_available: bool = True  # False: no EE routes (experiments/, groups_types/) -> catch-all 404
    recordings_reject_order_direction: bool = False  # old RecordingsQuery: `order_direction` -> 400
    insights_withhold_dashboards: bool = False  # INSIGHT_DASHBOARDS_OPT_IN_ENFORCED: no `dashboards` field

    @classmethod
    def for_profile(cls, profile: str) -> Quirks:
        """Today's quirks with the profile's defaults applied."""
        return apply_profile(cls(), profile)

    @classmethod
    def ideal(cls) -> Quirks:
        """An API without any of the quirks: what a naive client would assume."""
        return cls(
            events_limit_clamp=None,
            events_exclusive_after=False,
            events_tie_loss=False,
            events_window_probing=False,
            events_after_default_24h=False,
            events_offset_penalty_s=0.0,
            events_offset_cap=None,
            events_max_span_days=None,
            query_row_cap=None,
            query_reject_offset=False,
            query_json_string_properties=False,
            query_project_timezone=False,
            persons_short_pages=False,
            org_annotations_everywhere=False,
            flags_archived_hidden=False,
            insights_unstable_order=False,
            dashboards_unstable_ties=False,
        )  # scopes stay enforced: they are a feature, not a misbehaviour


@dataclass(frozen=True)
class Faults:
    """Seeded fault injection; a retried request (same method, URL and body) eventually succeeds."""

    rate: float = 0.0  # probability that an API request gets a fault
    kinds: tuple[str, ...] = FAULT_KINDS  # drawn uniformly from these
    max_consecutive: int = 2  # never more faults than this in a row for one request key
    path_contains: str = ""  # only requests whose path contains this get random faults
    queue: tuple[str, ...] = ()  # scripted faults for the next matching requests, in order
    slow_s: float = 0.5  # delay of a "slow" fault
    query_latency_s: float = 0.0  # simulated execution time of each /query/ (holds a slot)
    foreign_host: str = "localhost"  # host used by "next_foreign" (still this machine)
    persons_churn_after: int | None = None  # after this many `persons` HogQL queries, churn (person_churn.py)
    persons_churn: int = 10  # persons deleted, and as many merged into others, when it happens
    persons_query_row_limit: int | None = None  # persons tables: more rows -> the 10 s 504 (person_timeout.py)
    recordings_timeout_hours: int | None = None  # recordings list spanning more hours -> 429 query timeout
    seed: int = 0


@dataclass(frozen=True)
class EmulatorSettings:
    """Everything the emulator needs; deterministic for a given (seed, end)."""

    seed: int = 42
    events: int = 20_000
    projects: int = 3
    edge_projects: bool = True  # adds one project with 0 events and one with exactly 1
    persons_per_project: int = 300
    groups_per_type: int | None = None  # groups of each of the two types; None = 40 and 25
    span_days: int = 400  # events spread over this many days before `end`
    end: datetime | None = None  # anchor "now"; default: current UTC hour
    tie_blocks: tuple[int, ...] | None = None  # sizes of same-timestamp blocks; None = automatic
    host: str = "127.0.0.1"
    port: int = 0
    quirks: Quirks = field(default_factory=Quirks)
    faults: Faults = field(default_factory=Faults)
    limits: Limits = field(default_factory=Limits)
    profile: str = "cloud"  # kind of instance: cloud, foss or old (PROFILES)
    weights: Weights = field(default_factory=Weights)  # payload weights (issue 23); default: light payloads

    def __post_init__(self) -> None:
        """Let the profile set the quirks the caller left at today's defaults."""
        object.__setattr__(self, "quirks", apply_profile(self.quirks, self.profile))

    def anchor(self) -> datetime:
        """The fixed "now" that generated data ends before."""
        if self.end is not None:
            return self.end if self.end.tzinfo else self.end.replace(tzinfo=UTC)
        return datetime.now(UTC).replace(minute=0, second=0, microsecond=0)

    def resolved_tie_blocks(self) -> tuple[int, ...]:
        """Tie block sizes: bigger than a legacy page, and bigger than a query page when large."""
        if self.tie_blocks is not None:
            return self.tie_blocks
        if self.events >= 400_000:
            return (2_500, 1_200, 60_000)
        if self.events >= 10_000:
            return (2_500, 1_200)
        return (min(2_500, self.events // 4),)


PROFILES: dict[str, dict[str, Any]] = {
    "cloud": {},  # current PostHog Cloud: EE, 50,000-row cap, newest request models
    "foss": {"ee_available": False},  # current self-hosted without the ee package
    # self-hosted with EE from before PR #22637 (June 2024): 10,000-row cap, strict (extra="forbid") models
    "old": {"query_row_cap": 10_000, "query_rejects_unknown_fields": True, "recordings_reject_order_direction": True},
}


def apply_profile(quirks: Quirks, profile: str) -> Quirks:
    """`quirks` with the profile's values in every field still at today's (Cloud) default."""
    if profile not in PROFILES:
        raise ValueError(f"unknown profile {profile!r}; expected one of {sorted(PROFILES)}")
    base = Quirks()
    changes = {k: v for k, v in PROFILES[profile].items() if getattr(quirks, k) == getattr(base, k)}
    return dataclasses.replace(quirks, **changes) if changes else quirks


def updated(obj: Any, changes: Any) -> Any:
    """Return `obj` with `changes` applied: a dataclass replaces it, a dict updates fields."""
    if changes is None:
        return obj
    if dataclasses.is_dataclass(changes) and not isinstance(changes, type):
        return changes
    if isinstance(changes, dict):
        fields = {f.name for f in dataclasses.fields(obj)}
        unknown = set(changes) - fields
        if unknown:
            raise ValueError(f"unknown settings: {sorted(unknown)}")
        return dataclasses.replace(obj, **{k: _coerce(obj, k, v) for k, v in changes.items()})
    raise TypeError(f"cannot apply {type(changes).__name__} to {type(obj).__name__}")


def _coerce(obj: Any, name: str, value: Any) -> Any:
    """Turn JSON-shaped values (lists, dicts) into the field's declared shape."""
    if name in ("kinds", "queue") and isinstance(value, list):
        return tuple(str(v) for v in value)
    if name == "query_cost":
        return updated(obj.query_cost, value)
    if name == "classes" and isinstance(value, dict):
        merged = dict(obj.classes)
        for cls, lim in value.items():
            merged[cls] = lim if isinstance(lim, ClassLimit) else ClassLimit(**lim)
        return merged
    return value
