"""The columns PostHog's HogQL tables have, and the errors for a column a query names.

POSTHOG_COLUMNS lists each table's top-level fields as PostHog's `posthog/hogql/database/schema/` files
define them (SOURCES: file and commit read; "§10" = /work/shared/posthog-api.md §10, verified Dec 2026,
not re-read). The emulator serves a subset of them (hogql/evaluate.COLUMNS, tables/rows.TABLES); a test keeps
it a subset. A column PostHog does not have gets PostHog's 400: the resolver raises
`QueryError("Unable to resolve field: x")`, whose `code_name` is "hogql_query_error"
(posthog/hogql/errors.py @ 02a0c75c), and /query/ turns it into `ValidationError(str(e), code_name)`
(posthog/api/query.py): `{"type": "validation_error", "code": "hogql_query_error", "detail": ..., "attr": null}`.
A column PostHog has but the emulator does not serve is a 400 with code "emulator_unsupported", so a
test never mistakes the emulator's gap for PostHog's refusal.
"""

from __future__ import annotations

from posthog_emulator.common.web import ApiError
from posthog_emulator.hogql.expr import Node
from posthog_emulator.hogql.parse import Select

SESSIONS_V2 = (
    "id session_id session_id_v7 team_id distinct_id $start_timestamp $end_timestamp max_inserted_at $urls "
    "$num_uniq_urls $entry_current_url $entry_pathname $entry_hostname $end_current_url $end_pathname "
    "$end_hostname $entry_referring_domain $entry_utm_source $entry_utm_campaign $entry_utm_medium "
    "$entry_utm_term $entry_utm_content $entry_gclid $entry_gad_source $entry_gclsrc $entry_dclid "
    "$entry_gbraid $entry_wbraid $entry_fbclid $entry_msclkid $entry_twclid $entry_li_fat_id $entry_mc_cid "
    "$entry_igshid $entry_ttclid $entry__kx $entry_irclid $pageview_count $autocapture_count $screen_count "
    "$channel_type $session_duration duration $is_bounce $last_external_click_url "
    "$page_screen_autocapture_count_up_to $exit_current_url $exit_pathname $vitals_lcp"
)
EVENTS = (
    "uuid event properties timestamp team_id distinct_id elements_chain created_at $session_id "
    "$session_id_uuid $window_id person_mode pdi poe goe_0 goe_1 goe_2 goe_3 goe_4 person person_id "
    "$group_0 group_0 $group_1 group_1 $group_2 group_2 $group_3 group_3 $group_4 group_4 session "
    "elements_chain_href elements_chain_texts elements_chain_ids elements_chain_elements"
)
COHORT = "person_id cohort_id team_id person"
POSTHOG_COLUMNS: dict[str, frozenset[str]] = {
    "events": frozenset(EVENTS.split()),
    "persons": frozenset(["id", "created_at", "team_id", "properties", "is_identified", "pdi"]),
    "person_distinct_ids": frozenset(["distinct_id", "person_id", "team_id", "person"]),
    "groups": frozenset(["index", "key", "created_at", "updated_at", "team_id", "properties"]),
    "sessions": frozenset(SESSIONS_V2.split()),
    "cohort_people": frozenset(COHORT.split()),
    "static_cohort_people": frozenset(COHORT.split()),
    "stripe_charge": frozenset(["id", "amount", "currency", "customer", "status", "paid", "created"]),
    # The stored tables under persons / person_distinct_ids (tables/raw_keys): their fields plus version, is_deleted.
    "raw_persons": frozenset(["id", "created_at", "team_id", "properties", "is_identified", "pdi", "is_deleted"])
    | {"version"},
    "raw_person_distinct_ids": frozenset(["distinct_id", "person_id", "team_id", "person", "is_deleted", "version"]),
    "raw_groups": frozenset(["index", "key", "created_at", "updated_at", "team_id", "properties"]),
}
SOURCES = {
    "events": "posthog/hogql/database/schema/events.py @ 0639fcc3 (EventsTable.fields)",
    "persons": "posthog/hogql/database/schema/persons.py @ 04191165 (PERSONS_FIELDS)",
    "person_distinct_ids": "posthog/hogql/database/schema/person_distinct_ids.py (§10)",
    "groups": "posthog/hogql/database/schema/groups.py (§10)",
    "sessions": "posthog/hogql/database/schema/sessions_v2.py @ 45b41e82 (LAZY_SESSIONS_FIELDS; v2 is the default)",
    "cohort_people": "posthog/hogql/database/schema/cohort_people.py (§10)",
    "static_cohort_people": "posthog/hogql/database/schema/static_cohort_people.py (§10)",
    "stripe_charge": "a data warehouse table: its name as build_table_name makes it (tables/warehouse.py)",
    "raw_persons": "posthog/hogql/database/schema/persons.py @ 5ece335f (RawPersonsTable)",
    "raw_person_distinct_ids": (
        "posthog/hogql/database/schema/person_distinct_ids.py @ c1431f56 (RawPersonDistinctIdsTable)"
    ),
    "raw_groups": "posthog/hogql/database/schema/groups.py @ 5735f4ed (RawGroupsTable: GROUPS_TABLE_FIELDS)",
}


def unresolved(table: str, name: str) -> ApiError:
    """The 400 for a field `name` (dotted chain) that the emulator cannot answer on `table`."""
    if name.split(".", maxsplit=1)[0] in POSTHOG_COLUMNS.get(table, frozenset()):
        detail = f"The emulator does not serve `{name}` of `{table}` (PostHog's table has it)."
        return ApiError(400, detail, code="emulator_unsupported")
    return ApiError(400, f"Unable to resolve field: {name}", code="hogql_query_error")


def check_fields(query: Select, types: dict[str, str]) -> None:
    """Refuse, before any row is read, a query naming a field the table's served columns lack."""
    nodes = [node for node, _alias in query.columns] + [node for node, _desc in query.order] + query.group_by
    nodes += [query.where] if query.where is not None else []
    for node in nodes:
        for chain in _fields(node):
            if chain[-1] not in types or (len(chain) > 1 and chain[0] not in (query.table, chain[-1])):
                raise unresolved(query.table, ".".join(chain))


def _fields(node: Node) -> list[tuple[str, ...]]:
    """Every field chain inside an expression."""
    if node.kind == "field":
        return [tuple(str(part) for part in node.value)]
    return [chain for arg in node.args for chain in _fields(arg)]
