"""How older self-hosted instances answer `/query/`: strict request models, project-timezone cells.

PostHog's request models forbid unknown fields (pydantic `extra="forbid"`), so a node field the
instance predates is a 400 parse_error, not ignored; such instances also render datetimes in the
project timezone whatever the modifiers say (posthog-api.md §10).
"""

from __future__ import annotations

from typing import Any

from posthog_emulator.common.web import ApiError
from posthog_emulator.state.runtime import Runtime

OLD_UNKNOWN_NODE_FIELDS = ("modifiers",)  # HogQLQuery fields the emulated old instance does not know


QUOTA_DETAIL = (  # the wording is the emulator's; PostHog's code names the 402 and its code (posthog-api.md §10)
    "Your organization has used up its query quota for this billing period. Raise your billing limit to run more."
)


def check_quota(rt: Runtime) -> None:
    """402 while the organisation's query quota is spent."""
    if rt.quirks.query_quota_exceeded:
        raise ApiError(402, QUOTA_DETAIL, code="quota_limit_exceeded")


def check_node(rt: Runtime, node: dict[str, Any]) -> None:
    """400 like pydantic's extra_forbidden when the old-instance quirk is on and the node has new fields."""
    if not rt.quirks.query_rejects_unknown_fields:
        return
    extra = [name for name in OLD_UNKNOWN_NODE_FIELDS if name in node]
    if extra:
        raise ApiError(400, validation_detail(node, extra), code="parse_error", type_="invalid_request")


def validation_detail(node: dict[str, Any], extra: list[str]) -> str:
    """`JSON parse error - 1 validation error for QueryRequest` and one block per field, as DRF prints it."""
    plural = "s" if len(extra) > 1 else ""
    lines = [f"JSON parse error - {len(extra)} validation error{plural} for QueryRequest"]
    for name in extra:
        value = node[name]
        lines.append(f"query.HogQLQuery.{name}")
        lines.append(
            f"  Extra inputs are not permitted [type=extra_forbidden, input_value={value!r}, "
            f"input_type={type(value).__name__}]"
        )
    return "\n".join(lines)


def timezone(rt: Runtime, pid: int, modifiers: dict[str, Any]) -> str:
    """Project timezone unless convertToProjectTimezone is false and the instance knows that modifier."""
    project = rt.dataset.project(pid) or {}
    if not rt.quirks.query_project_timezone:
        return "UTC"
    ignored = rt.quirks.query_ignore_tz_modifier or rt.quirks.query_rejects_unknown_fields
    if modifiers.get("convertToProjectTimezone") is False and not ignored:
        return "UTC"
    return str(project.get("timezone") or "UTC")
