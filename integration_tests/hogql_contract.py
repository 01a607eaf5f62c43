"""The HogQL tables, columns and functions PostHog has, and a reader of the connector's SQL just deep enough to
name the table, functions and columns a query uses.

The connector writes one shape only: `SELECT <exprs> FROM <table> [WHERE ...] [GROUP BY ...] [ORDER BY ...]
[LIMIT n]`, values as `{placeholders}`. Anything richer (a JOIN, a subquery, a dotted name) is reported as
outside what this contract models rather than guessed at. Facts: repository PostHog/posthog, `file @ commit`.
"""

import re

SCHEMA_DIR = "posthog/hogql/database/schema/"
# Columns a stream may select: each table's fields minus lazy joins (`pdi`, `person`, `revenue_analytics`...).
HOGQL_TABLES: dict[str, frozenset[str]] = {
    # events.py @ 11ff0432f427 (EventsTable.fields)
    "events": frozenset(
        {"uuid", "event", "properties", "timestamp", "team_id", "distinct_id", "elements_chain", "created_at"}
        | {"$session_id", "$session_id_uuid", "$window_id", "person_id", "$group_0", "$group_1", "$group_2"}
        | {"$group_3", "$group_4", "elements_chain_href", "elements_chain_texts", "elements_chain_ids"}
        | {"elements_chain_elements"}
    ),
    # persons.py @ 5ece335f6dcb (PERSONS_FIELDS)
    "persons": frozenset({"id", "created_at", "team_id", "properties", "is_identified"}),
    # person_distinct_ids.py @ c1431f564603 (PERSON_DISTINCT_IDS_FIELDS)
    "person_distinct_ids": frozenset({"team_id", "distinct_id", "person_id"}),
    # persons.py @ 5ece335f6dcb (RawPersonsTable: PERSONS_FIELDS + is_deleted, version), HogQL's `person`
    "raw_persons": frozenset({"id", "created_at", "team_id", "properties", "is_identified", "is_deleted", "version"}),
    # person_distinct_ids.py @ c1431f564603 (RawPersonDistinctIdsTable), HogQL's `person_distinct_id2`
    "raw_person_distinct_ids": frozenset({"team_id", "distinct_id", "person_id", "is_deleted", "version"}),
    # groups.py @ 5735f4edd6f6 (GROUPS_TABLE_FIELDS)
    "groups": frozenset({"index", "team_id", "key", "created_at", "updated_at", "properties"}),
    # groups.py @ 5735f4edd6f6 (RawGroupsTable: GROUPS_TABLE_FIELDS), HogQL's `groups` ClickHouse table
    "raw_groups": frozenset({"index", "team_id", "key", "created_at", "updated_at", "properties"}),
    # cohort_people.py @ 586fc69229f2 (COHORT_PEOPLE_FIELDS)
    "cohort_people": frozenset({"person_id", "cohort_id", "team_id"}),
    # static_cohort_people.py @ 10cbdf3a544b (StaticCohortPeople.fields)
    "static_cohort_people": frozenset({"person_id", "cohort_id", "team_id"}),
    # sessions_v2.py @ 45b41e82c697 (LAZY_SESSIONS_FIELDS): v2 is the default table, since sessionTableVersion
    # AUTO builds SessionsTableV2 (posthog/hogql/database/database.py @ 8351d962dd0d). No person_id.
    "sessions": frozenset(
        {"id", "session_id", "session_id_v7", "team_id", "distinct_id", "$start_timestamp", "$end_timestamp"}
        | {"max_inserted_at", "$urls", "$num_uniq_urls", "$entry_current_url", "$entry_pathname"}
        | {"$entry_hostname", "$end_current_url", "$end_pathname", "$end_hostname", "$entry_referring_domain"}
        | {"$entry_utm_source", "$entry_utm_campaign", "$entry_utm_medium", "$entry_utm_term"}
        | {"$entry_utm_content", "$entry_gclid", "$entry_gad_source", "$entry_gclsrc", "$entry_dclid"}
        | {"$entry_gbraid", "$entry_wbraid", "$entry_fbclid", "$entry_msclkid", "$entry_twclid"}
        | {"$entry_li_fat_id", "$entry_mc_cid", "$entry_igshid", "$entry_ttclid", "$entry__kx", "$entry_irclid"}
        | {"$pageview_count", "$autocapture_count", "$screen_count", "$channel_type", "$session_duration"}
        | {"duration", "$is_bounce", "$last_external_click_url", "$page_screen_autocapture_count_up_to"}
        | {"$exit_current_url", "$exit_pathname", "$vitals_lcp"}
    ),
}
RAW_TABLES = frozenset({"raw_persons", "raw_person_distinct_ids", "raw_groups"})  # the only ones read in a subquery
# Functions the connector uses, each found in PostHog's function tables (posthog/hogql/functions/).
HOGQL_FUNCTIONS: dict[str, str] = {
    "toDateTime64": "clickhouse/conversions.py @ d0e90f4d517d (1-3 args)",
    "toUUID": "clickhouse/conversions.py @ d0e90f4d517d (accurateCastOrNull to UUID)",
    "intDiv": "clickhouse/arithmetic.py @ f9c86077a97b",
    "toUnixTimestamp": "clickhouse/datetime.py @ 4f155f7be116",
    "count": "aggregations.py @ ad219e56a6a6",
    "min": "aggregations.py @ ad219e56a6a6",
    "max": "aggregations.py @ ad219e56a6a6",
    "groupArray": "aggregations.py @ ad219e56a6a6",
    "argMax": "the lazy tables' own aggregation (posthog/hogql/database/argmax.py @ 0eabdfcd663d)",
}
KEYWORDS = frozenset(
    {"SELECT", "FROM", "WHERE", "AND", "OR", "NOT", "IN", "ORDER", "BY", "ASC", "DESC", "LIMIT", "GROUP", "AS"}
    | {"HAVING", "DISTINCT", "NULL", "TRUE", "FALSE", "IS"}
)
UNMODELLED = frozenset({"JOIN", "UNION", "OFFSET", "WITH", "ARRAY", "SAMPLE", "PREWHERE", "FINAL"})
TOKEN = re.compile(
    r"""(?P<string>'(?:[^'\\]|\\.)*')|(?P<placeholder>\{[A-Za-z_][A-Za-z0-9_]*\})"""
    r"""|(?P<name>[A-Za-z_$][A-Za-z0-9_$]*)|(?P<number>\d+(?:\.\d+)?)|(?P<space>\s+)|(?P<other>.)"""
)


def tokens(sql: str) -> list[tuple[str, str]]:
    """(kind, text) pairs of the SQL, whitespace dropped."""
    found = [(m.lastgroup or "other", m.group()) for m in TOKEN.finditer(sql)]
    return [(kind, text) for kind, text in found if kind != "space"]


CUSTOM = "(custom query)"  # a user's own SELECT (config custom_queries): theirs to write, PostHog's to refuse


def without_custom_query(parts: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """`... FROM ( <user's SELECT> ) ...` with the parenthesised user query as one table name, CUSTOM.

    The connector wraps a custom query as a subquery and names only its result columns around it: the user's
    SQL is not the connector's to hold to this contract (PostHog answers it, refusals included).
    """
    for i in range(len(parts) - 1):
        if parts[i][1].upper() == "FROM" and parts[i + 1] == ("other", "("):
            depth = 0
            for j in range(i + 1, len(parts)):
                depth += {"(": 1, ")": -1}.get(parts[j][1], 0) if parts[j][0] == "other" else 0
                if depth == 0:
                    return [*parts[: i + 1], ("name", CUSTOM), *parts[j + 1 :]]
    return parts


def hogql_violations(sql: str, custom: bool = False) -> list[str]:
    """What in one HogQL query PostHog does not have: its table, a column of it, a function.

    `custom`: the request reads a user's custom query (its `name` says so), which may stand in a FROM.
    """
    bounded = bounded_page_violations(sql)
    if bounded is not None:
        return bounded
    parts, qualifiers = unqualified(without_custom_query(tokens(sql)) if custom else tokens(sql))
    names = names_of(parts)
    unmodelled = sorted({text.upper() for _, text in names if text.upper() in UNMODELLED})
    if unmodelled or sum(text.upper() == "SELECT" for _, text in names) != 1 or ("other", ".") in parts:
        return [f"HogQL outside the modelled shape ({', '.join(unmodelled) or 'subquery or dotted name'}): {sql}"]
    tables = [parts[i + 1][1] for i, text in names if text.upper() == "FROM" and i + 1 < len(parts)]
    if len(tables) != 1 or qualifiers - set(tables):
        return [f"HogQL without exactly one FROM table (or with a field of another table): {sql}"]
    table = tables[0]
    if table == CUSTOM:  # its columns are the user's query's: only the connector's functions are checked
        return _name_violations(parts, names_of(parts), table)
    if table not in HOGQL_TABLES:
        return [f"HogQL table `{table}` is not a PostHog table"]
    return _name_violations(parts, names, table)


def bounded_page_violations(sql: str) -> list[str] | None:
    """A bounded page's raw-table bounds (source_posthog/streams/query/bounded.py) checked part by part; None if
    the query has none."""
    outer, scalars = scalar_columns(sql)
    if scalars:  # a page asking for the next page's bound: each subquery is a raw-table bound
        return sorted({problem for part in (outer, *scalars) for problem in hogql_violations(part)})
    outer, opened, rest = sql.partition(" FROM (SELECT ")
    inner = f"SELECT {rest[:-1]}"
    table = inner.split(" FROM ", 1)[1].split(maxsplit=1)[0] if " FROM " in inner else ""
    if opened and rest.endswith(")") and table in RAW_TABLES:  # aggregates over one raw subquery
        return hogql_violations(inner) or _name_violations(*_named(f"{outer} FROM {table}"), table)
    return None


def unqualified(parts: list[tuple[str, str]]) -> tuple[list[tuple[str, str]], set[str]]:
    """The tokens with `table.` dropped before a field (`raw_persons.version`, as PostHog's argmax_select writes),
    and the tables so named (each must be the query's FROM table)."""
    kept: list[tuple[str, str]] = []
    qualifiers: set[str] = set()
    i = 0
    while i < len(parts):
        qualified = i + 2 < len(parts) and parts[i + 1] == ("other", ".") and parts[i + 2][0] == "name"
        if qualified and parts[i][0] == "name" and parts[i][1] in HOGQL_TABLES:
            qualifiers.add(parts[i][1])
            i += 2
            continue
        kept.append(parts[i])
        i += 1
    return kept, qualifiers


def names_of(parts: list[tuple[str, str]]) -> list[tuple[int, str]]:
    """The positions and texts of the name tokens."""
    return [(i, text) for i, (kind, text) in enumerate(parts) if kind == "name"]


def scalar_columns(sql: str) -> tuple[str, list[str]]:
    """The SQL without its `, (SELECT ...) AS name` select columns, and those subqueries' SQL."""
    scalars = []
    while (start := sql.find(", (SELECT ")) >= 0:
        depth, end = 0, start + 2
        for end in range(start + 2, len(sql)):
            depth += {"(": 1, ")": -1}.get(sql[end], 0)
            if depth == 0:
                break
        scalars.append(sql[start + 3 : end])
        alias = re.match(r"\s+AS\s+\w+", sql[end + 1 :])
        sql = sql[:start] + sql[end + 1 + (alias.end() if alias else 0) :]
    return sql, scalars


def _named(sql: str) -> tuple[list[tuple[str, str]], list[tuple[int, str]]]:
    parts = tokens(sql)
    return parts, names_of(parts)


def _name_violations(parts: list[tuple[str, str]], names: list[tuple[int, str]], table: str) -> list[str]:
    """Unknown functions and columns; aliases (`AS x`) may be referred to later."""
    aliases = {parts[i + 1][1] for i, text in names if text.upper() == "AS" and i + 1 < len(parts)}
    known = HOGQL_TABLES.get(table, frozenset()) | aliases | {table}
    found = []
    for i, text in names:
        if text.upper() in KEYWORDS:  # `AND (`, `IN (` open a group, not a call
            continue
        is_call = i + 1 < len(parts) and parts[i + 1] == ("other", "(")
        if is_call and text not in HOGQL_FUNCTIONS:
            found.append(f"HogQL function `{text}` is not in the verified function table")
        elif not is_call and text not in known and table != CUSTOM:
            found.append(f"HogQL column `{text}` does not exist in `{table}`")
    return sorted(set(found))
