"""Turn a PostHog answer that must not be retried into a message saying what the user must change.

PostHog's error body is `{"type", "code", "detail", "attr"}` and `detail` names the cause (the
missing scope, the refused project), so it is always quoted. 401/403/404 are the user's to fix
(config_error); any other refusal means our request was wrong (system_error).
"""

import re
from urllib.parse import SplitResult

import orjson
import requests

FAILURE_TYPES = {401: "config_error", 403: "config_error", 404: "config_error"}
DETAIL_CHARS = 300  # enough for PostHog's messages; an HTML error page is cut short
PROJECT_PATH = re.compile(r"^/api/(?:projects|environments)/(\d+)/")
MISSING_SCOPE = re.compile(r"missing required scope '([a-z_]+:[a-z]+)'")
ENDPOINT_NOT_FOUND = "Endpoint not found."


def error_detail(response: requests.Response) -> str:
    """The `detail` of PostHog's error envelope, else the start of the body."""
    try:
        body = orjson.loads(response.content)
    except orjson.JSONDecodeError:
        return response.text[:DETAIL_CHARS].strip()
    if isinstance(body, dict) and body.get("detail"):
        return str(body["detail"])[:DETAIL_CHARS]
    return response.text[:DETAIL_CHARS].strip()


def describe_failure(status: int, url: SplitResult, detail: str) -> tuple[str, str]:
    """A message naming the cause and the fix, and the Airbyte failure type."""
    failure_type = FAILURE_TYPES.get(status, "system_error")
    if status == 401:
        return (
            f"PostHog at {url.netloc} rejected the API key: {detail} Check api_key, and that base_url is your "
            "account's host (US keys fail on the EU host and vice versa).",
            failure_type,
        )
    if status == 403:
        return _describe_refusal(url.path, detail), failure_type
    if status == 404:
        return _describe_not_found(url, detail), failure_type
    return f"PostHog answered {status} for {url.path}: {detail}", failure_type


def _describe_refusal(path: str, detail: str) -> str:
    scope = MISSING_SCOPE.search(detail)
    if scope:
        return (
            f"The API key lacks the scope {scope.group(1)} needed to read {path} ({detail}). Add it to the key "
            "in PostHog → Settings → Personal API keys, or deselect the stream."
        )
    return (
        f"PostHog refused {path}: {detail} Give the key access to this project in PostHog → Settings → "
        "Personal API keys, or remove the project from project_ids."
    )


def _describe_not_found(url: SplitResult, detail: str) -> str:
    project = PROJECT_PATH.match(url.path)
    if project and detail != ENDPOINT_NOT_FOUND:
        return (
            f"Project {project.group(1)} was not found at {url.netloc} ({detail}). Check project_ids and base_url: "
            "an EU Cloud project exists only on https://eu.posthog.com."
        )
    return f"PostHog at {url.netloc} has no {url.path} ({detail}). Check that base_url is a PostHog instance."
