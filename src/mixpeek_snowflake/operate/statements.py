"""Every SQL statement of the target procedures and the health views, with qmark parameters and quoted names."""

from __future__ import annotations

from dataclasses import dataclass

from mixpeek_snowflake.snowflake.ddl import create_table
from mixpeek_snowflake.snowflake.identifiers import TableName, quote
from mixpeek_snowflake.snowflake.tables import INGEST_RUNS, OPERATION_RUNS, REJECTS, RUNS, STATE, TARGETS
from mixpeek_snowflake.snowflake.timestamps import BOUND_TIMESTAMP as AT

CURRENT_CONTEXT = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"
TARGET_HEALTH = "MIXPEEK_TARGET_HEALTH"
RUNS_VIEW = "MIXPEEK_RUNS"
KEY = "COLLECTION_ID = ? AND TARGET_TABLE = ?"
TARGET_COLUMNS = (
    "COLLECTION_ID",
    "TARGET_TABLE",
    "OPTIONS",
    "SCHEDULE",
    "ENABLED",
    "PAUSED_REASON",
    "STALE_AFTER_SECONDS",
    "CREATED_AT",
    "UPDATED_AT",
    "NEXT_INCREMENTAL_AT",
    "NEXT_FULL_AT",
    "LAST_SCHEDULED_AT",
    "LAST_SCHEDULED_RUN_ID",
    "LAST_SCHEDULED_STATUS",
)
TARGET_PAGE_ROWS = 100
HOURLY_STALE_SECONDS = 7200
DAILY_STALE_SECONDS = 172800


@dataclass(frozen=True)
class TargetTables:
    """MIXPEEK_SYNC_TARGETS in the procedure's schema."""

    targets: TableName

    @classmethod
    def in_schema(cls, database: str, schema: str) -> TargetTables:
        return cls(TableName(TARGETS.name, schema, database))

    def exists(self) -> str:
        """Params: schema, table."""
        return (
            f"SELECT COUNT(*) FROM {quote(self.targets.database or '')}.INFORMATION_SCHEMA.TABLES "
            "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
        )

    def create(self) -> str:
        return create_table(TARGETS, self.targets)

    def add(self) -> str:
        """Params: collection, target, options JSON, schedule, stale_after, created_at, updated_at, collection,
        target. Inserts nothing when the pair is configured already."""
        return (
            f"INSERT INTO {self.targets.sql} (COLLECTION_ID, TARGET_TABLE, OPTIONS, SCHEDULE, ENABLED, "
            "STALE_AFTER_SECONDS, CREATED_AT, UPDATED_AT) "
            f"SELECT ?, ?, PARSE_JSON(?), ?, TRUE, ?, {AT}, {AT} "
            f"WHERE NOT EXISTS (SELECT 1 FROM {self.targets.sql} WHERE {KEY})"
        )

    def read(self) -> str:
        """Params: collection, target. Columns: TARGET_COLUMNS."""
        return f"SELECT {', '.join(TARGET_COLUMNS)} FROM {self.targets.sql} WHERE {KEY}"

    def read_after(self) -> str:
        """Params: collection, collection, target (the last key read, '' for the first page). The next targets in
        key order, at most TARGET_PAGE_ROWS (inlined: no LIMIT ?). Columns: TARGET_COLUMNS."""
        return (
            f"SELECT {', '.join(TARGET_COLUMNS)} FROM {self.targets.sql} "
            "WHERE COLLECTION_ID > ? OR (COLLECTION_ID = ? AND TARGET_TABLE > ?) "
            f"ORDER BY COLLECTION_ID, TARGET_TABLE LIMIT {TARGET_PAGE_ROWS}"
        )

    def change(self) -> str:
        """Params: options JSON, schedule, stale_after, updated_at, collection, target."""
        return (
            f"UPDATE {self.targets.sql} SET OPTIONS = PARSE_JSON(?), SCHEDULE = ?, STALE_AFTER_SECONDS = ?, "
            f"UPDATED_AT = {AT} WHERE {KEY}"
        )

    def pause(self) -> str:
        """Params: reason, updated_at, collection, target."""
        return f"UPDATE {self.targets.sql} SET ENABLED = FALSE, PAUSED_REASON = ?, UPDATED_AT = {AT} WHERE {KEY}"

    def resume(self) -> str:
        """Params: updated_at, collection, target."""
        return f"UPDATE {self.targets.sql} SET ENABLED = TRUE, PAUSED_REASON = NULL, UPDATED_AT = {AT} WHERE {KEY}"

    def remove(self) -> str:
        """Params: collection, target."""
        return f"DELETE FROM {self.targets.sql} WHERE {KEY}"

    def scheduled(self) -> str:
        """Params: next_incremental_at, next_full_at, scheduled_at, run_id, status, collection, target."""
        return (
            f"UPDATE {self.targets.sql} SET NEXT_INCREMENTAL_AT = {AT}, NEXT_FULL_AT = {AT}, "
            f"LAST_SCHEDULED_AT = {AT}, LAST_SCHEDULED_RUN_ID = ?, LAST_SCHEDULED_STATUS = ? WHERE {KEY}"
        )


def _stale_after(alias: str) -> str:
    return (
        f"COALESCE({alias}.STALE_AFTER_SECONDS, IFF(CONTAINS({alias}.SCHEDULE, 'hourly_incremental'), "
        f"{HOURLY_STALE_SECONDS}, {DAILY_STALE_SECONDS}))"
    )


def target_health_select(schema: str) -> str:
    """One row per configured target: its last run, last success, lag, failures in a row, rows, rejects, last
    error and whether it is stale. schema: `DB.SCHEMA` as SQL text (validated or quoted parts)."""
    runs, state, rejects, targets = (f"{schema}.{spec.name}" for spec in (RUNS, STATE, REJECTS, TARGETS))
    newest = "ORDER BY STARTED_AT DESC, RUN_ID DESC"
    lag = "DATEDIFF('second', COALESCE(s.LAST_SUCCESS_AT, t.CREATED_AT), SYSDATE())"
    return (
        "WITH sync_runs AS (SELECT RUN_ID, COLLECTION_ID, TARGET_TABLE, STATUS, STARTED_AT, FINISHED_AT, ERROR "
        f"FROM {runs} WHERE MODE IN ('incremental', 'full') AND NOT COALESCE(DRY_RUN, FALSE)), "
        "latest AS (SELECT COLLECTION_ID, TARGET_TABLE, RUN_ID, STATUS, STARTED_AT FROM sync_runs "
        f"QUALIFY ROW_NUMBER() OVER (PARTITION BY COLLECTION_ID, TARGET_TABLE {newest}) = 1), "
        "succeeded AS (SELECT COLLECTION_ID, TARGET_TABLE, MAX(FINISHED_AT) AS LAST_SUCCESS_AT, "
        "MAX(STARTED_AT) AS LAST_SUCCESS_STARTED_AT FROM sync_runs WHERE STATUS = 'SUCCEEDED' "
        "GROUP BY COLLECTION_ID, TARGET_TABLE), "
        "failures AS (SELECT r.COLLECTION_ID, r.TARGET_TABLE, COUNT(*) AS FAILURES FROM sync_runs r "
        "LEFT JOIN succeeded x ON x.COLLECTION_ID = r.COLLECTION_ID AND x.TARGET_TABLE = r.TARGET_TABLE "
        "WHERE r.STATUS IN ('FAILED', 'ABANDONED') "
        "AND (x.LAST_SUCCESS_STARTED_AT IS NULL OR r.STARTED_AT > x.LAST_SUCCESS_STARTED_AT) "
        "GROUP BY r.COLLECTION_ID, r.TARGET_TABLE), "
        "errors AS (SELECT COLLECTION_ID, TARGET_TABLE, ERROR AS LAST_ERROR, FINISHED_AT AS LAST_ERROR_AT "
        "FROM sync_runs WHERE ERROR IS NOT NULL AND STATUS IN ('FAILED', 'ABANDONED', 'CANCELLED') "
        f"QUALIFY ROW_NUMBER() OVER (PARTITION BY COLLECTION_ID, TARGET_TABLE {newest}) = 1), "
        "kept_rejects AS (SELECT COLLECTION_ID, TARGET_TABLE, COUNT(*) AS REJECTS "
        f"FROM {rejects} GROUP BY COLLECTION_ID, TARGET_TABLE) "
        "SELECT t.COLLECTION_ID, t.TARGET_TABLE, t.ENABLED, t.PAUSED_REASON, t.SCHEDULE, "
        "l.RUN_ID AS LAST_RUN_ID, l.STATUS AS LAST_STATUS, l.STARTED_AT AS LAST_RUN_STARTED_AT, "
        f"s.LAST_SUCCESS_AT, {lag} AS LAG_SECONDS, COALESCE(f.FAILURES, 0) AS CONSECUTIVE_FAILURES, "
        "st.TARGET_ROWS AS DOCUMENTS, COALESCE(j.REJECTS, 0) AS REJECTS, e.LAST_ERROR, e.LAST_ERROR_AT, "
        f"{_stale_after('t')} AS STALE_AFTER_SECONDS, "
        f"(t.ENABLED AND {lag} > {_stale_after('t')}) AS IS_STALE, "
        "t.NEXT_INCREMENTAL_AT, t.NEXT_FULL_AT "
        f"FROM {targets} t "
        "LEFT JOIN latest l ON l.COLLECTION_ID = t.COLLECTION_ID AND l.TARGET_TABLE = t.TARGET_TABLE "
        "LEFT JOIN succeeded s ON s.COLLECTION_ID = t.COLLECTION_ID AND s.TARGET_TABLE = t.TARGET_TABLE "
        "LEFT JOIN failures f ON f.COLLECTION_ID = t.COLLECTION_ID AND f.TARGET_TABLE = t.TARGET_TABLE "
        "LEFT JOIN errors e ON e.COLLECTION_ID = t.COLLECTION_ID AND e.TARGET_TABLE = t.TARGET_TABLE "
        f"LEFT JOIN {state} st ON st.COLLECTION_ID = t.COLLECTION_ID AND st.TARGET_TABLE = t.TARGET_TABLE "
        "LEFT JOIN kept_rejects j ON j.COLLECTION_ID = t.COLLECTION_ID AND j.TARGET_TABLE = t.TARGET_TABLE"
    )


def runs_select(schema: str) -> str:
    """Every run of every procedure: syncs and label refreshes (MIXPEEK_SYNC_RUNS), enrich and views
    (MIXPEEK_OPERATION_RUNS), stage ingestion (MIXPEEK_INGEST_RUNS). schema: `DB.SCHEMA` as SQL text."""
    sync_runs, operation_runs = f"{schema}.{RUNS.name}", f"{schema}.{OPERATION_RUNS.name}"
    ingest_runs = f"{schema}.{INGEST_RUNS.name}"
    shared = "STATUS, DRY_RUN, STARTED_AT, FINISHED_AT"
    return (
        "SELECT IFF(MODE = 'labels', 'label_refresh', 'sync') AS KIND, RUN_ID, COLLECTION_ID, "
        f"TARGET_TABLE AS TARGET, MODE, {shared}, DOCUMENTS_SEEN AS DOCUMENTS, REJECTED AS FAILED, ERROR, "
        f"USER_NAME, ROLE_NAME FROM {sync_runs} "
        "UNION ALL "
        f"SELECT KIND, RUN_ID, COLLECTION_ID, TARGET, CAST(NULL AS VARCHAR) AS MODE, {shared}, DOCUMENTS, FAILED, "
        f"ERROR, USER_NAME, ROLE_NAME FROM {operation_runs} "
        "UNION ALL "
        f"SELECT 'ingest' AS KIND, RUN_ID, COLLECTION_ID, STAGE AS TARGET, MODE, {shared}, "
        f"DOCUMENTS_SEEN AS DOCUMENTS, REJECTED AS FAILED, ERROR, USER_NAME, ROLE_NAME FROM {ingest_runs}"
    )


HEALTH_COMMENT = "Per sync target: last run, last success, lag, failures in a row, rows, rejects, last error, stale"
RUNS_COMMENT = "Every run of every Mixpeek procedure: sync, label_refresh, enrich, views, ingest"


def health_views(schema: str) -> list[str]:
    """CREATE OR REPLACE VIEW for both health views (views hold no data; COPY GRANTS keeps their grants)."""
    return [
        f"CREATE OR REPLACE VIEW {schema}.{TARGET_HEALTH} COPY GRANTS COMMENT = '{HEALTH_COMMENT}' AS "
        f"{target_health_select(schema)}",
        f"CREATE OR REPLACE VIEW {schema}.{RUNS_VIEW} COPY GRANTS COMMENT = '{RUNS_COMMENT}' AS {runs_select(schema)}",
    ]


def quoted_schema(database: str, schema: str) -> str:
    """`"DB"."SCHEMA"` for the views' text."""
    return f"{quote(database)}.{quote(schema)}"


def health_tables(database: str, schema: str) -> list[str]:
    """CREATE TABLE IF NOT EXISTS for every table the health views read (sql/40_tables.sql makes them at deploy)."""
    return [
        create_table(spec, TableName(spec.name, schema, database))
        for spec in (RUNS, STATE, REJECTS, TARGETS, OPERATION_RUNS, INGEST_RUNS)
    ]


@dataclass(frozen=True)
class LeaseTables:
    """MIXPEEK_SYNC_STATE and MIXPEEK_SYNC_RUNS beside a target table."""

    state: TableName
    runs: TableName

    @classmethod
    def beside(cls, target: TableName) -> LeaseTables:
        return cls(target.sibling(STATE.name), target.sibling(RUNS.name))

    def exists(self) -> str:
        """Params: schema, table."""
        return (
            f"SELECT COUNT(*) FROM {quote(self.state.database or '')}.INFORMATION_SCHEMA.TABLES "
            "WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"
        )

    def lease(self) -> str:
        """Params: collection, target. Columns: LEASE_RUN_ID, LEASE_EXPIRES_AT."""
        return f"SELECT LEASE_RUN_ID, LEASE_EXPIRES_AT FROM {self.state.sql} WHERE {KEY}"

    def release(self) -> str:
        """Params: collection, target, run_id. Frees the lease only while that run holds it."""
        return (
            f"UPDATE {self.state.sql} SET LEASE_RUN_ID = NULL, LEASE_EXPIRES_AT = NULL WHERE {KEY} AND LEASE_RUN_ID = ?"
        )

    def abandon(self) -> str:
        """Params: finished_at, error, run_id."""
        return (
            f"UPDATE {self.runs.sql} SET STATUS = 'ABANDONED', FINISHED_AT = {AT}, ERROR = ? "
            "WHERE RUN_ID = ? AND STATUS = 'RUNNING'"
        )
