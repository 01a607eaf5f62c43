"""The REST list reader: every record of an offset-paged list, once per sync.

Offset lists can shift while we read them (rows created mid-sync repeat a row on the next page), and
org-scoped annotations appear in every project's list, so records are deduplicated by key within a sync.
A list whose only order has ties (dashboards) is read in one page instead (`whole_page`): offset pages over
such an order can skip a record, which no deduplication repairs. Paged lists ask each page's `limit` of the
memory budget (sizing.py), and a page's rows are released once written, before the next page is fetched.
"""

from collections.abc import Iterator
from typing import Any

from source_posthog.errors import ApiError, InternalError
from source_posthog.http.client import ApiClient
from source_posthog.http.pacing import EndpointClass
from source_posthog.http.pagination import iter_pages, whole_list
from source_posthog.streams.context import ReadContext
from source_posthog.streams.rest.sizing import ListSizer, list_table, wanted_rows
from source_posthog.streams.specs import Pass
from source_posthog.streams.stream import RestSpec, Stream

PROBE_PARAMS = {"limit": "1"}
UUID_TEXT_LENGTH = 36  # persons are keyed by UUID text
WHOLE_FIRST_LIMIT = 10_000  # one page of this many first; a longer list is asked again above its count
WHOLE_MARGIN = 100  # records that may be created between PostHog's count and our next request
WHOLE_TRIES = 4
Pointing = dict[Any, set[Any]] | None  # {record id: ids pointing at it}; None: the source did not say


def read_rest_stream(stream: Stream[RestSpec], context: ReadContext, *_mode_and_state: Any) -> int:
    """Emit every record of the stream once; return how many were emitted."""
    if not stream.per_project:
        return emit_projects(stream.name, context)
    seen: set[Any] = set()
    emitted = duplicates = 0
    for project in context.projects:
        if not stream.read.shared_across_projects:
            seen.clear()
        pointing = gather_backref(stream, context, project["id"])
        for record in iter_project_records(stream, context, project["id"]):
            record["project_id"] = project["id"]
            key = compact_key(tuple(record.get(name) for name in stream.primary_key))
            if key in seen:
                duplicates += 1
                continue
            seen.add(key)
            if backref := stream.read.backref:
                record[backref.into] = None if pointing is None else sorted(pointing.get(record.get("id"), ()))
            context.sink.record(stream.name, record)
            emitted += 1
    if duplicates:
        context.sink.log(
            "INFO", f"Stream {stream.name}: dropped {duplicates} repeated records (same {stream.primary_key})."
        )
    if warning := context.queries.budget.report(list_table(stream.name)):
        context.sink.log("WARN", warning)  # records each heavier than a page's memory budget, read alone
    return emitted


def emit_projects(name: str, context: ReadContext) -> int:
    """The project list, read once when the sync started: emitted as it is."""
    context.progress.page(name, len(context.projects), "the project list")
    for project in context.projects:
        context.sink.record(name, project)
    return len(context.projects)


def iter_project_records(stream: Stream[RestSpec], context: ReadContext, project_id: int) -> Iterator[dict[str, Any]]:
    """Every record one project lists for the stream, over all passes (may repeat records)."""
    for one_pass in stream.read.passes:
        for record in iter_pass(stream, context, project_id, one_pass):
            record.update(one_pass.marks)
            yield record


def iter_pass(
    stream: Stream[RestSpec], context: ReadContext, project_id: int, one_pass: Pass
) -> Iterator[dict[str, Any]]:
    """One complete pass, with the optional parameters if PostHog accepts them, else without."""
    params = {**stream.read.params, **one_pass.params}
    try:
        yield from iter_list(stream, context, project_id, {**params, **stream.read.optional_params}, one_pass.whole)
    except ApiError as error:
        if error.status != 400 or not (stream.read.optional_params or one_pass.optional):
            raise
        if one_pass.optional:
            refused = ", ".join(f"{name}={value}" for name, value in one_pass.params.items())
            context.sink.log(
                "WARN", f"Stream {stream.name}: this PostHog instance refuses {refused} ({error.message})."
            )
            return
        context.sink.log(
            "WARN",
            f"PostHog rejected {sorted(stream.read.optional_params)} for {stream.name} ({error.message}); "
            "reading again without, deduplicated by id.",
        )
        yield from iter_list(stream, context, project_id, params, one_pass.whole)


def iter_list(
    stream: Stream[RestSpec], context: ReadContext, project_id: int, params: dict[str, Any], whole: bool
) -> Iterator[dict[str, Any]]:
    """The records of every page of one list."""
    path = f"projects/{project_id}/{stream.read.path}"
    if stream.read.unpaginated:
        pages = iter([whole_list(context.client, path, params, stream.endpoint_class)])
    elif whole:
        pages = iter([whole_page(context.client, path, params, stream.endpoint_class)])
    else:
        sizer = list_sizer(stream, context, project_id, params)
        pages = iter_pages(context.client, path, params, stream.endpoint_class, sizer)
    for page in pages:
        yield from page
        context.progress.page(stream.name, len(page), path)
        page.clear()  # written: release the records before the next page is fetched


def list_sizer(
    stream: Stream[RestSpec], context: ReadContext, project_id: int, params: dict[str, Any]
) -> ListSizer | None:
    """The page sizes of a paged list under the memory budget; None for a list asked for no `limit`."""
    wanted = wanted_rows(params)
    if wanted is None:
        return None
    return ListSizer(context.queries.budget, context.client, project_id, list_table(stream.name), wanted)


def whole_page(client: ApiClient, path: str, params: dict[str, Any], endpoint_class: EndpointClass) -> list[Any]:
    """The whole list in one answer: one query of one snapshot, so an order with ties can neither skip nor repeat.

    PostHog pages with DRF's LimitOffsetPagination without a `max_limit` (`REST_FRAMEWORK` in
    posthog/settings/web.py @000798bf names no other), so `limit` may cover the whole list. While the answer
    still has a `next` (the list is longer), it is asked again with a limit above its `count`. So this page is
    not sized by the memory budget (sizing.py): a smaller page could skip a record.
    """
    limit = WHOLE_FIRST_LIMIT
    for _ in range(WHOLE_TRIES):
        page = client.get_json(path, {**params, "limit": str(limit)}, endpoint_class)
        if not isinstance(page, dict) or not isinstance(page.get("results"), list):
            raise InternalError(f"Unexpected response shape from {path}: expected an object with results.")
        if not page.get("next"):
            results: list[Any] = page["results"]
            return results
        count = page.get("count")
        limit = max(2 * limit, count + WHOLE_MARGIN if isinstance(count, int) else 0)
    raise InternalError(f"{path} still had more records than a page of {limit} after {WHOLE_TRIES} tries.")


def gather_backref(stream: Stream[RestSpec], context: ReadContext, project_id: int) -> Pointing:
    """{id of this stream's record: ids of the source records that point at it}, from one read of the source.

    None, with a WARN, when a source record does not say what it points at: a missing field is never taken
    for "points at nothing".
    """
    backref, pointing = stream.read.backref, dict[Any, set[Any]]()
    if backref is None:
        return pointing
    for source in iter_project_records(backref.source, context, project_id):
        targets = backref.via(source)
        if targets is None:
            context.sink.log(
                "WARN",
                f"Project {project_id}: {backref.source.name} records come without {backref.told}, so "
                f"{stream.name}.{backref.into} is left null (unknown, not empty).",
            )
            return None
        for target in targets:
            pointing.setdefault(target, set()).add(source.get("id"))
    return pointing


def probe_rest_stream(stream: Stream[RestSpec], context: ReadContext, project_id: int) -> None:
    """Read the smallest page of the stream for one project (check: does the key have the scope?)."""
    path = f"projects/{project_id}/{stream.read.path}"
    context.client.get_json(path, params={**stream.read.params, **PROBE_PARAMS}, endpoint_class=stream.endpoint_class)


def compact_key(value: tuple[Any, ...]) -> Any:
    """The key as stored in a seen-set: one UUID string becomes its 128-bit int, other keys stay as they are.

    An int of 128 bits takes 44 bytes against 85 for the 36-character text; with the set's own slot
    that is ~90 instead of ~130 bytes per person, which matters for projects with millions of persons.
    """
    if len(value) != 1:
        return value
    (single,) = value
    if isinstance(single, str) and len(single) == UUID_TEXT_LENGTH:
        try:
            return int(single.replace("-", ""), 16)
        except ValueError:
            return single
    return single
