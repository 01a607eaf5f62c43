"""The HogQL tables streams read, with the columns PostHog's `posthog/hogql/database/schema/` gives them.

- events: `EVENT_COLUMNS` below, made records by events/records.py.
- persons.py: `id` (a UUID in ClickHouse, ordered as one), `created_at`, `properties` (JSON text),
  `is_identified`; no last-seen or updated-at column.
- person_distinct_ids.py: `distinct_id`, `person_id` (latest version, deleted rows dropped).
- groups.py: `index` (group_type_index), `key` (group_key), `created_at`, `updated_at` (the row's
  `_timestamp`), `properties`; one row per (index, key).
"""

from source_posthog.streams.query.sql import HogQLTable, KeyColumn, KeyType

# The columns events/records.py turns into a record shaped like the `/events/` list.
EVENT_COLUMNS = ("uuid", "event", "distinct_id", "timestamp", "properties", "elements_chain")
EVENTS_TABLE = HogQLTable(
    "events", EVENT_COLUMNS, (KeyColumn("timestamp", KeyType.DATETIME), KeyColumn("uuid", KeyType.UUID))
)

# Both are argMax aggregations of a stored ReplacingMergeTree sorted by (team_id, key): `person` ORDER BY
# (team_id, id), `person_distinct_id2` ORDER BY (team_id, distinct_id) (posthog/models/person/sql.py @13e21786),
# which HogQL exposes as `raw_persons` / `raw_person_distinct_ids` (RawPersonsTable in persons.py @5ece335f,
# RawPersonDistinctIdsTable in person_distinct_ids.py @c1431f56): query/bounded.py bounds each page by them.
PERSONS_TABLE = HogQLTable(
    "persons", ("id", "created_at", "properties", "is_identified"), (KeyColumn("id", KeyType.UUID),), raw="raw_persons"
)
PDI_TABLE = HogQLTable(
    "person_distinct_ids",
    ("distinct_id", "person_id"),
    (KeyColumn("distinct_id", KeyType.TEXT),),
    raw="raw_person_distinct_ids",
)
# groups: argMax over `raw_groups` grouped by (index, key) (select_from_groups_table, groups.py @5735f4ed);
# `raw_groups` (RawGroupsTable, same fields) is `groups` ORDER BY (team_id, group_type_index, group_key)
# (posthog/models/group/sql.py @9d67819c) and is a user-queryable table (database.py @8351d962): pages are
# bounded by it, one group type index at a time (query/bounded.py).
GROUPS_TABLE = HogQLTable(
    "groups",
    ("index", "key", "created_at", "updated_at", "properties"),
    (KeyColumn("index", KeyType.INTEGER), KeyColumn("key", KeyType.TEXT)),
    raw="raw_groups",
)
# Cohort membership: dynamic cohorts' current version (cohort_people.py) and static cohorts' rows
# (static_cohort_people.py), both `person_id`, `cohort_id`; read one after the other into one stream.
MEMBER_KEY = (KeyColumn("cohort_id", KeyType.INTEGER), KeyColumn("person_id", KeyType.UUID))
COHORT_PEOPLE_TABLE = HogQLTable("cohort_people", ("cohort_id", "person_id"), MEMBER_KEY)
STATIC_COHORT_PEOPLE_TABLE = HogQLTable("static_cohort_people", ("cohort_id", "person_id"), MEMBER_KEY)
# sessions: the default table is v2 (`sessionTableVersion` AUTO resolves to SessionsTableV2 in
# posthog/hogql/database/database.py @8351d962); every column below is in its LAZY_SESSIONS_FIELDS
# (posthog/hogql/database/schema/sessions_v2.py @0011d550), and in v3's. Neither has `person_id`: a session's
# person is its `distinct_id` (the distinct id of its last event, argMax in v2) joined to person_distinct_ids.
# One row per session, aggregated from its events. `session_id` is a UUIDv7's text, so text order is start
# order; `$`-named columns are renamed without the `$` in records (SESSION_FIELDS).
SESSION_COLUMNS = (
    "session_id",
    "distinct_id",
    "$start_timestamp",
    "$end_timestamp",
    "$entry_current_url",
    "$entry_pathname",
    "$end_current_url",
    "$end_pathname",
    "$entry_referring_domain",
    "$entry_utm_source",
    "$entry_utm_campaign",
    "$entry_utm_medium",
    "$entry_utm_term",
    "$entry_utm_content",
    "$entry_gclid",
    "$entry_fbclid",
    "$channel_type",
    "$session_duration",
    "$is_bounce",
    "$pageview_count",
    "$autocapture_count",
    "$screen_count",
    "$num_uniq_urls",
)
SESSIONS_TABLE = HogQLTable("sessions", SESSION_COLUMNS, (KeyColumn("session_id", KeyType.TEXT),))
SESSION_FIELDS = {column: column.removeprefix("$") for column in SESSION_COLUMNS if column.startswith("$")}
