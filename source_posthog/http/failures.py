"""Turn a PostHog answer that must not be retried into an `ApiError`: what happened, in fields and in words.

PostHog's error body is `{"type", "code", "detail", "attr"}`; `detail` is the only place that names the
missing scope or says a key is scoped to projects, so it is read here, once, into `ApiError` fields.
401/402/403/404 are the user's to fix (config_error); any other refusal means our request was wrong.
"""

import re
from urllib.parse import SplitResult, urlsplit

import orjson
import requests

from source_posthog.errors import ApiError, QueryLimitError, Refusal

DETAIL_CHARS = 300  # enough for PostHog's messages; an HTML error page is cut short
PROJECT_PATH = re.compile(r"^/api/(?:projects|environments)/(\d+)/")
MISSING_SCOPE = re.compile(r"missing required scope '([a-z_]+:[a-z]+)'")
PROJECT_SCOPED_KEY = "scoped projects are only supported"  # 403 for project-scoped keys off project paths
ENDPOINT_NOT_FOUND = "Endpoint not found."
# A query stopped at PostHog's execution-time or memory limit (posthog/exceptions.py, the API query runner):
# 504 "This query hit the 10-second time limit..." / "Query has hit the max execution time...", 504 or 513
# "...max memory limit...", 512 "Estimated query execution time is too long...". A gateway's bare 504 is not one.
QUERY_LIMIT_STATUSES = frozenset({504, 512, 513})
QUERY_LIMIT = re.compile(r"time limit|max execution time|memory limit|execution time is too long", re.IGNORECASE)
# The session-recordings list answers a ClickHouse timeout with DRF `Throttled` (429, no Retry-After) and this
# detail (posthog/session_recordings/session_recording_api.py @a8b2677e): not a rate limit, so not retried as one.
THROTTLED_TIMEOUT = "Query timeout exceeded"
UNKNOWN_FIELDS = "Extra inputs are not permitted"  # pydantic extra="forbid": PostHog before mid-2025 (§10)
REFUSALS_BY_STATUS = {
    401: Refusal.BAD_KEY,
    402: Refusal.QUOTA,
    404: Refusal.ENDPOINT_MISSING,  # a route this instance does not have (project 404s are told apart above)
    405: Refusal.ENDPOINT_MISSING,
}


def api_error(response: requests.Response) -> ApiError:
    """The error for a response whose status is neither success, redirect nor retryable."""
    url = urlsplit(response.url)
    detail = error_detail(response)
    project = PROJECT_PATH.match(url.path)
    project_id = int(project.group(1)) if project else None
    refusal, scope = classify_refusal(response.status_code, detail, project_id)
    message = describe(refusal, response.status_code, url, detail, scope=scope)
    return ApiError(response.status_code, message, refusal, scope=scope, project_id=project_id)


def query_limit_error(response: requests.Response) -> QueryLimitError | None:
    """The error for a query PostHog stopped at its limits, else None (then the status is handled as usual)."""
    status = response.status_code
    if status != 429 and status not in QUERY_LIMIT_STATUSES:
        return None
    detail = error_detail(response)
    stopped = detail.startswith(THROTTLED_TIMEOUT) if status == 429 else QUERY_LIMIT.search(detail) is not None
    if not stopped:
        return None
    return QueryLimitError(f"PostHog stopped a query at its limits (HTTP {status}): {detail}")


def error_detail(response: requests.Response) -> str:
    """The `detail` of PostHog's error envelope, else the start of the body."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:DETAIL_CHARS].strip()
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])[:DETAIL_CHARS]
    return response.text[:DETAIL_CHARS].strip()


def classify_refusal(status: int, detail: str, project_id: int | None) -> tuple[Refusal, str | None]:
    """What the status and PostHog's detail say went wrong, and the missing scope if one is named."""
    if status == 403:
        scope = MISSING_SCOPE.search(detail)
        if scope:
            return Refusal.MISSING_SCOPE, scope.group(1)
        return (Refusal.PROJECT_SCOPED_KEY if PROJECT_SCOPED_KEY in detail else Refusal.PROJECT_DENIED), None
    if status == 400 and UNKNOWN_FIELDS in detail:
        return Refusal.UNKNOWN_FIELDS, None
    if status == 404 and project_id is not None and detail != ENDPOINT_NOT_FOUND:
        return Refusal.PROJECT_NOT_FOUND, None
    return REFUSALS_BY_STATUS.get(status, Refusal.OTHER), None


def describe(refusal: Refusal, status: int, url: SplitResult, detail: str, *, scope: str | None) -> str:
    """A message naming the cause and the fix."""
    host, path = url.netloc, url.path
    project = PROJECT_PATH.match(path)
    project_id = int(project.group(1)) if project else None
    messages = {
        Refusal.BAD_KEY: f"PostHog at {host} rejected the API key: {detail} Check api_key, and that base_url is "
        "your account's host (US keys fail on the EU host and vice versa).",
        Refusal.QUOTA: f"PostHog refused {path} because the organisation's query quota is used up ({detail}). "
        "Raise the billing limit in PostHog or wait for the next billing period.",
        Refusal.MISSING_SCOPE: f"The API key lacks the scope {scope} needed to read {path} ({detail}). Add it to "
        "the key in PostHog → Settings → Personal API keys, or deselect the stream.",
        Refusal.PROJECT_SCOPED_KEY: f"PostHog refused {path}: {detail}",
        Refusal.PROJECT_DENIED: f"PostHog refused {path}: {detail} Give the key access to this project in PostHog "
        "→ Settings → Personal API keys, or remove the project from project_ids.",
        Refusal.PROJECT_NOT_FOUND: f"Project {project_id} was not found at {host} ({detail}). Check project_ids "
        "and base_url: an EU Cloud project exists only on https://eu.posthog.com.",
        Refusal.ENDPOINT_MISSING: f"PostHog at {host} has no {path} (HTTP {status}: {detail}). Check that base_url "
        "is a PostHog instance.",
    }
    return messages.get(refusal, f"PostHog answered {status} for {path}: {detail}")
