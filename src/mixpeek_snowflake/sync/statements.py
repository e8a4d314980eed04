"""Every SQL statement the sync runs: text with qmark parameters over validated, quoted identifiers."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

from mixpeek_snowflake.snowflake.ddl import add_column, create_table
from mixpeek_snowflake.snowflake.identifiers import TableName, quote
from mixpeek_snowflake.snowflake.tables import (
    DOCUMENTS,
    LABELS,
    REJECTS,
    RUNS,
    STAGE,
    STATE,
    TAXONOMIES,
    TYPED_COLUMNS,
    Column,
    TableSpec,
)
from mixpeek_snowflake.snowflake.timestamps import BOUND_TIMESTAMP as AT
from mixpeek_snowflake.snowflake.timestamps import to_timestamp_ntz

TYPED_NAMES = [c.name for c in TYPED_COLUMNS]
RUN_COUNTERS = (
    "DOCUMENTS_SEEN",
    "INSERTED",
    "UPDATED",
    "UNCHANGED",
    "DELETED",
    "REJECTED",
    "PAGES",
    "API_REQUESTS",
    "RETRIES",
)

ROWS_IN_ANSWER = "COUNT(*) OVER ()"


CURRENT_CONTEXT = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"
KEYSET_PAGE_ROWS = 1000
MAX_FETCH_PARTITIONS = 256
NEWEST_VERSION = (
    "QUALIFY ROW_NUMBER() OVER (PARTITION BY DOCUMENT_ID ORDER BY UPDATED_AT DESC NULLS LAST, SEQ DESC) = 1"
)
BEGIN = "BEGIN"
FETCH_FUNCTION = "MIXPEEK_FETCH_DOCUMENTS"
FETCH_ROW = "r.VALUE"
COMMIT = "COMMIT"
ROLLBACK = "ROLLBACK"


@dataclass(frozen=True)
class SyncTables:
    """The fully qualified tables one sync touches: the target and its schema's bookkeeping."""

    target: TableName
    stage: TableName
    state: TableName
    runs: TableName
    rejects: TableName
    labels: TableName
    taxonomies: TableName

    @classmethod
    def beside(cls, target: TableName) -> SyncTables:
        """The target plus the bookkeeping tables in the target's schema."""
        return cls(
            target=target,
            stage=target.sibling(STAGE.name),
            state=target.sibling(STATE.name),
            runs=target.sibling(RUNS.name),
            rejects=target.sibling(REJECTS.name),
            labels=target.sibling(LABELS.name),
            taxonomies=target.sibling(TAXONOMIES.name),
        )

    def specs(self) -> list[tuple[TableSpec, TableName]]:
        """Each table with the spec it is made from, the target first."""
        pairs = [(DOCUMENTS, self.target), (STAGE, self.stage), (STATE, self.state), (RUNS, self.runs)]
        return [*pairs, (REJECTS, self.rejects), (LABELS, self.labels), (TAXONOMIES, self.taxonomies)]

    def creation(self, existing: Collection[str] = ()) -> list[str]:
        """DDL for every table not in existing (names), run before any transaction (DDL commits in Snowflake)."""
        return [create_table(spec, table) for spec, table in self.specs() if table.name not in existing]

    def upgrades(self, columns: Mapping[str, Collection[str]]) -> list[str]:
        """ALTER TABLE … ADD COLUMN for each column an existing table (in columns: name → its columns) lacks."""
        return [
            add_column(column, table)
            for spec, table in self.specs()
            if table.name in columns
            for column in spec.columns
            if column.name not in columns[table.name]
        ]

    def _information_schema(self, view: str) -> str:
        return f"{quote(self.target.database or '')}.{quote('INFORMATION_SCHEMA')}.{quote(view)}"

    def schema_exists(self) -> str:
        """Params: schema name."""
        return f"SELECT COUNT(*) FROM {self._information_schema('SCHEMATA')} WHERE SCHEMA_NAME = ?"

    def names(self) -> list[str]:
        """The sync's table names, the target first: the schema queries ask about these only, one row per table,
        so a caller's ROWS_PER_RESULTSET (at least 7) cannot cut them."""
        return [table.name for _, table in self.specs()]

    def _own(self) -> str:
        return f"TABLE_SCHEMA = ? AND TABLE_NAME IN ({', '.join('?' for _ in self.specs())})"

    def schema_tables(self) -> str:
        """Params: schema name, *names(). Each of the sync's tables or views there: name, type, creation time, and
        how many rows the answer has (a caller's ROWS_PER_RESULTSET may return fewer)."""
        tables = self._information_schema("TABLES")
        return f"SELECT TABLE_NAME, TABLE_TYPE, CREATED, {ROWS_IN_ANSWER} FROM {tables} WHERE {self._own()}"

    def schema_views(self) -> str:
        """Params: schema name, *names(). Each of them that is a view (TABLES lists views in Snowflake, not in every
        engine)."""
        return f"SELECT TABLE_NAME, {ROWS_IN_ANSWER} FROM {self._information_schema('VIEWS')} WHERE {self._own()}"

    def schema_columns(self) -> str:
        """Params: schema name, *names(). One row per table: its name, the array of its column names, the rows."""
        columns = self._information_schema("COLUMNS")
        return (
            f"SELECT TABLE_NAME, ARRAY_AGG(COLUMN_NAME), {ROWS_IN_ANSWER} FROM {columns} WHERE {self._own()} "
            "GROUP BY TABLE_NAME"
        )

    def insert_run(self) -> str:
        """Params: run_id, collection, target, mode, dry_run, started_at, options JSON, user, role, query_id."""
        return (
            f"INSERT INTO {self.runs.sql} (RUN_ID, COLLECTION_ID, TARGET_TABLE, MODE, STATUS, DRY_RUN, STARTED_AT, "
            "OPTIONS, USER_NAME, ROLE_NAME, QUERY_ID) "
            f"SELECT ?, ?, ?, ?, 'RUNNING', ?, {AT}, PARSE_JSON(?), ?, ?, ?"
        )

    def progress_run(self) -> str:
        """Params: documents_seen, pages, rejected, run_id. The counts so far into a RUNNING row."""
        return (
            f"UPDATE {self.runs.sql} SET DOCUMENTS_SEEN = ?, PAGES = ?, REJECTED = ? "
            "WHERE RUN_ID = ? AND STATUS = 'RUNNING'"
        )

    def finish_run(self) -> str:
        """Params: status, finished_at, collection, mode, *RUN_COUNTERS, duration, error, summary JSON, reason,
        definition JSON, run_id."""
        counters = ", ".join(f"{name} = ?" for name in RUN_COUNTERS)
        return (
            f"UPDATE {self.runs.sql} SET STATUS = ?, FINISHED_AT = {AT}, COLLECTION_ID = ?, "
            f"MODE = ?, {counters}, DURATION_SECONDS = ?, ERROR = ?, SUMMARY = PARSE_JSON(?), REASON = ?, "
            "DEFINITION = PARSE_JSON(?) WHERE RUN_ID = ?"
        )

    def abandon_runs(self) -> str:
        """Params: status, finished_at, error, collection, collection as given, target, run_id, lease holder,
        started before. Closes runs of the pair left RUNNING by a process that died."""
        return (
            f"UPDATE {self.runs.sql} SET STATUS = ?, FINISHED_AT = {AT}, ERROR = ? "
            "WHERE STATUS = 'RUNNING' AND COLLECTION_ID IN (?, ?) AND TARGET_TABLE = ? AND RUN_ID <> ? "
            f"AND (RUN_ID = ? OR NOT DRY_RUN OR STARTED_AT < {AT})"
        )

    def ensure_state(self) -> str:
        """Params: collection, target."""
        return (
            f"MERGE INTO {self.state.sql} USING (SELECT ? AS COLLECTION_ID, ? AS TARGET_TABLE) s "
            f"ON {self.state.sql}.COLLECTION_ID = s.COLLECTION_ID AND {self.state.sql}.TARGET_TABLE = s.TARGET_TABLE "
            "WHEN NOT MATCHED THEN INSERT (COLLECTION_ID, TARGET_TABLE) VALUES (s.COLLECTION_ID, s.TARGET_TABLE)"
        )

    def acquire_lease(self) -> str:
        """Params: run_id, expires_at, collection, target, now. Updates one row when the lease was free."""
        return (
            f"UPDATE {self.state.sql} SET LEASE_RUN_ID = ?, LEASE_EXPIRES_AT = {AT} "
            "WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? "
            f"AND (LEASE_RUN_ID IS NULL OR LEASE_EXPIRES_AT < {AT})"
        )

    def read_state(self, legacy: bool = False) -> str:
        """Params: collection, target. legacy: the state table predates the definition and identity columns."""
        recent = "NULL, NULL, NULL" if legacy else "DEFINITION, TARGET_ROWS, TARGET_CREATED"
        return (
            f"SELECT WATERMARK, EVENTS_CURSOR, LEASE_RUN_ID, LEASE_EXPIRES_AT, {recent} "
            f"FROM {self.state.sql} WHERE COLLECTION_ID = ? AND TARGET_TABLE = ?"
        )

    def other_collections(self) -> str:
        """Params: target, collection, collection. Another collection this target holds, by its state or rows."""
        return (
            f"SELECT COLLECTION_ID FROM {self.state.sql} WHERE TARGET_TABLE = ? AND COLLECTION_ID <> ? "
            f"UNION ALL SELECT COLLECTION_ID FROM (SELECT COLLECTION_ID FROM {self.target.sql} "
            "WHERE COLLECTION_ID <> ? LIMIT 1)"
        )

    def target_keys(self) -> str:
        """Params: after document id. What a dry run compares its plan with: id, hash, deleted flag and collection,
        a keyset page at a time (a caller's ROWS_PER_RESULTSET only makes a page shorter)."""
        return (
            f"SELECT DOCUMENT_ID, CONTENT_HASH, IS_DELETED, COLLECTION_ID FROM {self.target.sql} "
            f"WHERE DOCUMENT_ID > ? ORDER BY DOCUMENT_ID LIMIT {KEYSET_PAGE_ROWS * 10}"
        )

    def expire_rejects(self) -> str:
        """Params: collection, target, cutoff. Rejects of this pair older than the retention."""
        return f"DELETE FROM {self.rejects.sql} WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? AND REJECTED_AT < {AT}"

    def count_target(self) -> str:
        """Every row of the target, deleted-flagged ones included. Params: none."""
        return f"SELECT COUNT(*) FROM {self.target.sql}"

    def reset_state(self) -> str:
        """Params: collection, target, now. Forgets watermark, cursor, definition and identity, unless a run holds
        a lease that has not lapsed."""
        return (
            f"DELETE FROM {self.state.sql} WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? "
            f"AND (LEASE_RUN_ID IS NULL OR LEASE_EXPIRES_AT < {AT})"
        )

    def copy_best_state(self) -> str:
        """Params: marker, collection, target, run_id. Of the pair's rows leased to this run (two first runs at once
        can each insert one: nothing in Snowflake enforces uniqueness), a copy of the most advanced, leased to the
        marker."""
        names = [c.name for c in STATE.columns]
        values = ["?" if name == "LEASE_RUN_ID" else name for name in names]
        return (
            f"INSERT INTO {self.state.sql} ({', '.join(names)}) SELECT {', '.join(values)} FROM {self.state.sql} "
            "WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? AND LEASE_RUN_ID = ? "
            "ORDER BY LAST_SUCCESS_AT DESC NULLS LAST, WATERMARK DESC NULLS LAST LIMIT 1"
        )

    def drop_leased_states(self) -> str:
        """Params: collection, target, run_id. The pair's rows leased to this run (after copy_best_state)."""
        return f"DELETE FROM {self.state.sql} WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? AND LEASE_RUN_ID = ?"

    def relabel_lease(self) -> str:
        """Params: run_id, collection, target, marker. The kept copy's lease back to the run."""
        return (
            f"UPDATE {self.state.sql} SET LEASE_RUN_ID = ? "
            "WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? AND LEASE_RUN_ID = ?"
        )

    def release_lease(self) -> str:
        """Params: collection, target, run_id."""
        return (
            f"UPDATE {self.state.sql} SET LEASE_RUN_ID = NULL, LEASE_EXPIRES_AT = NULL "
            "WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? AND LEASE_RUN_ID = ?"
        )

    def advance_state(self) -> str:
        """Params: watermark, cursor, run_id, now, is_full, now, definition JSON, created, collection, target,
        run_id. Records the target's row count, releases the lease."""
        return (
            f"UPDATE {self.state.sql} SET WATERMARK = ?, EVENTS_CURSOR = ?, LAST_RUN_ID = ?, "
            f"LAST_SUCCESS_AT = {AT}, "
            f"LAST_FULL_SYNC_AT = CASE WHEN ? THEN {AT} ELSE LAST_FULL_SYNC_AT END, "
            f"DEFINITION = PARSE_JSON(?), TARGET_ROWS = (SELECT COUNT(*) FROM {self.target.sql}), "
            "TARGET_CREATED = ?, LEASE_RUN_ID = NULL, LEASE_EXPIRES_AT = NULL "
            "WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? AND LEASE_RUN_ID = ?"
        )

    def stage_documents(self) -> str:
        """Params: run_id, first seq, JSON array of records.stage_row objects."""
        names = ", ".join(TYPED_NAMES)
        values = ", ".join(_from_row(c) for c in TYPED_COLUMNS)
        return (
            f"INSERT INTO {self.stage.sql} (RUN_ID, OP, SEQ, {names}, LABELS) "
            f"SELECT ?, 'U', ? + f.INDEX, {values}, f.VALUE:labels FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"
        )

    def stage_deletions(self) -> str:
        """Params: run_id, first seq, JSON array of document ids deleted in Mixpeek."""
        return (
            f"INSERT INTO {self.stage.sql} (RUN_ID, OP, SEQ, DOCUMENT_ID) "
            "SELECT ?, 'D', ? + f.INDEX, f.VALUE::VARCHAR FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"
        )

    def stage_rejects(self) -> str:
        """Params: run_id, first seq, JSON array of {document_id, reason, excerpt}."""
        return (
            f"INSERT INTO {self.stage.sql} (RUN_ID, OP, SEQ, DOCUMENT_ID, REASON, EXCERPT) "
            "SELECT ?, 'R', ? + f.INDEX, f.VALUE:document_id::VARCHAR, f.VALUE:reason::VARCHAR, "
            "f.VALUE:excerpt::VARCHAR FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"
        )

    def stage_fetched(self, partitions: int) -> str:
        """Params: run_id, first seq, collection, listing body JSON, base_url, namespace, requests_per_minute.
        The whole listing staged by one statement: the fetch table function over one row per partition index
        (GENERATOR's ROWCOUNT must be a constant, so the validated count is inlined; ROW_NUMBER, not SEQ4, because
        SEQ4 may leave gaps: https://docs.snowflake.com/en/sql-reference/functions/generator,
        https://docs.snowflake.com/en/sql-reference/functions/seq1)."""
        count = _partition_count(partitions)
        names = ", ".join(TYPED_NAMES[1:])
        values = ", ".join(_from_row(c, FETCH_ROW) for c in TYPED_COLUMNS[1:])
        indexes = f"SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) - 1 AS P FROM TABLE(GENERATOR(ROWCOUNT => {count}))"
        call = (
            f"TABLE({FETCH_FUNCTION}(?::VARCHAR, PARSE_JSON(?), g.P, {count}, ?::VARCHAR, ?::VARCHAR, ?::FLOAT) "
            "OVER (PARTITION BY g.P))"
        )
        fetched = (
            "SELECT f.OP, f.SEQ, f.DOCUMENT_ID, f.REASON, f.EXCERPT, PARSE_JSON(f.RECORD) AS VALUE "
            f"FROM ({indexes}) g, {call} f"
        )
        return (
            f"INSERT INTO {self.stage.sql} (RUN_ID, OP, SEQ, DOCUMENT_ID, {names}, LABELS, REASON, EXCERPT) "
            f"SELECT ?, r.OP, ? + r.SEQ, r.DOCUMENT_ID, {values}, {FETCH_ROW}:labels, r.REASON, r.EXCERPT "
            f"FROM ({fetched}) r"
        )

    def fetch_summaries(self) -> str:
        """Params: run_id. The summary row each partition of the fetch table function staged (OP = 'S')."""
        return f"SELECT EXCERPT FROM {self.stage.sql} WHERE RUN_ID = ? AND OP = 'S' ORDER BY SEQ"

    def clear_stage(self) -> str:
        """Params: run_id."""
        return f"DELETE FROM {self.stage.sql} WHERE RUN_ID = ?"

    def clear_abandoned_stage(self) -> str:
        """Params: collection, target, run_id. Rows left by earlier crashed runs of this pair."""
        return (
            f"DELETE FROM {self.stage.sql} WHERE RUN_ID IN (SELECT RUN_ID FROM {self.runs.sql} "
            "WHERE COLLECTION_ID = ? AND TARGET_TABLE = ? AND RUN_ID <> ?)"
        )

    def _latest(self) -> str:
        """Newest staged version of each document. Params: synced_at, run_id (synced_at, run_id, run_id)."""
        names = ", ".join(TYPED_NAMES)
        return (
            f"SELECT {names}, {AT} AS SYNCED_AT, ? AS SYNC_RUN_ID FROM {self.stage.sql} "
            f"WHERE RUN_ID = ? AND OP = 'U' {NEWEST_VERSION}"
        )

    def plan(self) -> str:
        """Params: synced_at, run_id, run_id. Counts: distinct, inserts, updates, undeletes."""
        t = self.target.sql
        return (
            f"SELECT COUNT(*), COUNT_IF({t}.DOCUMENT_ID IS NULL), "
            f"COUNT_IF({t}.DOCUMENT_ID IS NOT NULL AND ({_changed(t, 's')})), "
            f"COUNT_IF({t}.DOCUMENT_ID IS NOT NULL AND {t}.IS_DELETED) "
            f"FROM ({self._latest()}) s LEFT JOIN {t} ON {t}.DOCUMENT_ID = s.DOCUMENT_ID"
        )

    def merge(self) -> str:
        """Params: synced_at, run_id, run_id. Inserts new documents, rewrites changed or returning ones."""
        t = self.target.sql
        updates = ", ".join(f"{name} = s.{name}" for name in TYPED_NAMES)
        names = ", ".join(TYPED_NAMES)
        values = ", ".join(f"s.{name}" for name in TYPED_NAMES)
        return (
            f"MERGE INTO {t} USING ({self._latest()}) s ON {t}.DOCUMENT_ID = s.DOCUMENT_ID "
            f"WHEN MATCHED AND ({_changed(t, 's')}) THEN UPDATE SET {updates}, IS_DELETED = FALSE, "
            "DELETED_AT = NULL, LAST_SYNCED_AT = s.SYNCED_AT, LAST_RUN_ID = s.SYNC_RUN_ID "
            f"WHEN NOT MATCHED THEN INSERT ({names}, IS_DELETED, FIRST_SYNCED_AT, LAST_SYNCED_AT, LAST_RUN_ID) "
            f"VALUES ({values}, FALSE, s.SYNCED_AT, s.SYNCED_AT, s.SYNC_RUN_ID)"
        )

    def _gone(self, full: bool) -> str:
        """Rows of the collection to mark deleted. Params: collection, run_id (, run_id when incremental)."""
        t = self.target.sql
        seen = (
            f"NOT EXISTS (SELECT 1 FROM {self.stage.sql} u WHERE u.RUN_ID = ? AND u.OP IN ('U', 'R') "
            f"AND u.DOCUMENT_ID = {t}.DOCUMENT_ID)"
        )
        scope = f"{t}.COLLECTION_ID = ? AND NOT {t}.IS_DELETED"
        if full:
            return f"{scope} AND {seen}"
        deleted = (
            f"EXISTS (SELECT 1 FROM {self.stage.sql} d WHERE d.RUN_ID = ? AND d.OP = 'D' "
            f"AND d.DOCUMENT_ID = {t}.DOCUMENT_ID)"
        )
        return f"{scope} AND {deleted} AND {seen}"

    def count_deletions(self, full: bool) -> str:
        """Params: as mark_deleted without its first three."""
        return f"SELECT COUNT(*) FROM {self.target.sql} WHERE {self._gone(full)}"

    def mark_deleted(self, full: bool) -> str:
        """Params: deleted_at, last_synced_at, run_id, collection, run_id (, run_id when incremental)."""
        return (
            f"UPDATE {self.target.sql} SET IS_DELETED = TRUE, DELETED_AT = {AT}, "
            f"LAST_SYNCED_AT = {AT}, LAST_RUN_ID = ? WHERE {self._gone(full)}"
        )

    def keep_rejects(self) -> str:
        """Params: collection, target, rejected_at, run_id."""
        return (
            f"INSERT INTO {self.rejects.sql} (RUN_ID, COLLECTION_ID, TARGET_TABLE, DOCUMENT_ID, REASON, EXCERPT, "
            f"REJECTED_AT) SELECT RUN_ID, ?, ?, DOCUMENT_ID, REASON, EXCERPT, {AT} "
            f"FROM {self.stage.sql} WHERE RUN_ID = ? AND OP = 'R'"
        )

    def stage_label_rows(self) -> str:
        """Params: run_id, first seq, JSON array of {document_id, collection_id, updated_at, labels}."""
        return (
            f"INSERT INTO {self.stage.sql} (RUN_ID, OP, SEQ, DOCUMENT_ID, COLLECTION_ID, UPDATED_AT, LABELS) "
            "SELECT ?, 'L', ? + f.INDEX, f.VALUE:document_id::VARCHAR, f.VALUE:collection_id::VARCHAR, "
            f"{to_timestamp_ntz('f.VALUE:updated_at::VARCHAR')}, f.VALUE:labels "
            "FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"
        )

    def cached_taxonomies(self) -> str:
        """The taxonomy ids whose names are already known. Params: none."""
        return f"SELECT TAXONOMY_ID FROM {self.taxonomies.sql}"

    def forget_taxonomies(self) -> str:
        """Params: JSON array of taxonomy ids to fetch again."""
        return (
            f"DELETE FROM {self.taxonomies.sql} WHERE TAXONOMY_ID IN "
            "(SELECT f.VALUE::VARCHAR FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f)"
        )

    def cache_taxonomies(self) -> str:
        """Params: fetched_at, JSON array of {taxonomy_id, taxonomy_name, taxonomy_type}."""
        return (
            f"INSERT INTO {self.taxonomies.sql} (TAXONOMY_ID, TAXONOMY_NAME, TAXONOMY_TYPE, FETCHED_AT) "
            "SELECT f.VALUE:taxonomy_id::VARCHAR, f.VALUE:taxonomy_name::VARCHAR, f.VALUE:taxonomy_type::VARCHAR, "
            f"{AT} FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"
        )

    def clear_run_labels(self) -> str:
        """Labels of this target's rows this run wrote. Params: target, run_id."""
        return self._clear_labels("LAST_RUN_ID = ?")

    def clear_target_labels(self) -> str:
        """Every label row of this target, and those written before labels named their target. Params: target,
        collection."""
        return f"DELETE FROM {self.labels.sql} WHERE TARGET_TABLE = ? OR (TARGET_TABLE IS NULL AND COLLECTION_ID = ?)"

    def _clear_labels(self, where: str) -> str:
        return (
            f"DELETE FROM {self.labels.sql} WHERE TARGET_TABLE = ? AND DOCUMENT_ID IN "
            f"(SELECT DOCUMENT_ID FROM {self.target.sql} WHERE {where})"
        )

    def write_run_labels(self) -> str:
        """Labels of the newest staged version of each live row this run wrote.
        Params: run_id, synced_at, target, run_id, run_id."""
        written = f"SELECT DOCUMENT_ID FROM {self.target.sql} WHERE LAST_RUN_ID = ? AND NOT IS_DELETED"
        return self._write_labels("U", NEWEST_VERSION, f" WHERE e.DOCUMENT_ID IN ({written})")

    def write_live_labels(self) -> str:
        """Labels of the newest staged version of every live row (a rebuild). Params: run_id, synced_at, target,
        run_id."""
        live = f"SELECT DOCUMENT_ID FROM {self.target.sql} WHERE NOT IS_DELETED"
        return self._write_labels("U", NEWEST_VERSION, f" WHERE e.DOCUMENT_ID IN ({live})")

    def write_staged_labels(self) -> str:
        """Labels staged as OP = 'L' rows by a label refresh. Params: run_id, synced_at, target, run_id."""
        return self._write_labels("L", "", "")

    def _write_labels(self, op: str, newest: str, where: str) -> str:
        source = (
            f"SELECT DOCUMENT_ID, COLLECTION_ID, UPDATED_AT, LABELS FROM {self.stage.sql} "
            f"WHERE RUN_ID = ? AND OP = '{op}' {newest}"
        )
        return (
            f"INSERT INTO {self.labels.sql} ({', '.join(LABELS.column_names)}) "
            "SELECT e.DOCUMENT_ID, e.COLLECTION_ID, e.L:taxonomy_id::VARCHAR, x.TAXONOMY_NAME, "
            "e.L:node_id::VARCHAR, e.L:label::VARCHAR, e.L:score::FLOAT, e.L:rank::NUMBER(38,0), "
            "STRIP_NULL_VALUE(e.L:path), "
            f"e.UPDATED_AT, ?, {AT}, ? "
            f"FROM (SELECT s.DOCUMENT_ID, s.COLLECTION_ID, s.UPDATED_AT, l.VALUE AS L FROM ({source}) s, "
            "LATERAL FLATTEN(INPUT => s.LABELS) l) e "
            f"LEFT JOIN {self.taxonomies.sql} x ON x.TAXONOMY_ID = e.L:taxonomy_id::VARCHAR{where}"
        )

    def live_documents_after(self) -> str:
        """Params: collection, after document id. A keyset page of live documents (its size inlined, not bound)."""
        return (
            f"SELECT DOCUMENT_ID, UPDATED_AT, DOCUMENT FROM {self.target.sql} "
            "WHERE COLLECTION_ID = ? AND NOT IS_DELETED AND DOCUMENT_ID > ? "
            f"ORDER BY DOCUMENT_ID LIMIT {KEYSET_PAGE_ROWS}"
        )


def _changed(target: str, source: str) -> str:
    return f"{target}.CONTENT_HASH IS DISTINCT FROM {source}.CONTENT_HASH OR {target}.IS_DELETED"


def _from_row(column: Column, value: str = "f.VALUE") -> str:
    """A staged column from its key of the bound row; a JSON null lands as SQL NULL (STRIP_NULL_VALUE), not as the
    VARIANT null https://docs.snowflake.com/en/user-guide/semistructured-considerations describes."""
    key = column.name.lower()
    if column.name == "METADATA":
        return f"STRIP_NULL_VALUE({value}:document:metadata)"
    if column.type == "VARIANT":
        return f"STRIP_NULL_VALUE({value}:{key})"
    if column.type == "TIMESTAMP_NTZ":
        return to_timestamp_ntz(f"{value}:{key}::VARCHAR")
    return f"{value}:{key}::{column.type}"


def _partition_count(partitions: int) -> int:
    if isinstance(partitions, bool) or not isinstance(partitions, int) or not 1 <= partitions <= MAX_FETCH_PARTITIONS:
        raise ValueError(f"partitions must be an integer from 1 to {MAX_FETCH_PARTITIONS}, got {partitions!r}")
    return partitions
