"""Every SQL statement the ingestion runs: text with qmark parameters over validated, quoted identifiers."""

from __future__ import annotations

from dataclasses import dataclass

from mixpeek_snowflake.snowflake.ddl import create_table
from mixpeek_snowflake.snowflake.identifiers import TableName, quote
from mixpeek_snowflake.snowflake.tables import INGEST_RUNS, INGEST_STATE, STAGE_FILES
from mixpeek_snowflake.snowflake.timestamps import BOUND_TIMESTAMP as AT
from mixpeek_snowflake.snowflake.timestamps import to_timestamp_ntz

CURRENT_CONTEXT = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"
PAGE_ROWS = 1000
LATERAL_ROWS = "(SELECT PARSE_JSON(?) AS J) j, LATERAL FLATTEN(INPUT => j.J) f"
RUN_COUNTERS = (
    *("DOCUMENTS_SEEN", "INSERTED", "UPDATED", "UNCHANGED", "DELETED", "REJECTED", "PAGES"),
    *("API_REQUESTS", "RETRIES", "KEPT"),
)
RECORDED = (
    ("path", "RELATIVE_PATH", "VARCHAR"),
    ("checksum", "CHECKSUM", "VARCHAR"),
    ("size", "SIZE_BYTES", "NUMBER(38,0)"),
    ("modified", "LAST_MODIFIED", "TIMESTAMP_NTZ"),
    ("object_id", "OBJECT_ID", "VARCHAR"),
    ("key", "IDEMPOTENCY_KEY", "VARCHAR"),
    ("batch_id", "BATCH_ID", "VARCHAR"),
    ("collection", "COLLECTION_ID", "VARCHAR"),
    ("status", "STATUS", "VARCHAR"),
    ("error", "ERROR", "VARCHAR"),
    ("first_sent", "FIRST_SENT_AT", "TIMESTAMP_NTZ"),
    ("last_sent", "LAST_SENT_AT", "TIMESTAMP_NTZ"),
    ("seen", "LAST_SEEN_AT", "TIMESTAMP_NTZ"),
)


def stage_reference(stage: TableName) -> str:
    """@"DB"."SCHEMA"."STAGE": the stage as DIRECTORY() and GET_PRESIGNED_URL() take it (never a bound value)."""
    return "@" + stage.sql


@dataclass(frozen=True)
class IngestTables:
    """The fully qualified stage and the three tables one ingestion touches, in the procedure's schema."""

    stage: TableName
    files: TableName
    state: TableName
    runs: TableName

    @classmethod
    def of(cls, stage: TableName, database: str, schema: str) -> IngestTables:
        """The stage (its missing parts from the procedure's context) and the bundle tables beside the procedure."""
        home = TableName(STAGE_FILES.name, schema, database)
        return cls(
            stage.qualified(database, schema), home, home.sibling(INGEST_STATE.name), home.sibling(INGEST_RUNS.name)
        )

    def creation(self, existing: set[str]) -> list[str]:
        """CREATE TABLE IF NOT EXISTS for the tables not in existing, run before any transaction (DDL commits)."""
        pairs = ((STAGE_FILES, self.files), (INGEST_STATE, self.state), (INGEST_RUNS, self.runs))
        return [create_table(spec, table) for spec, table in pairs if table.name not in existing]

    def existing_tables(self) -> str:
        """Params: schema. Which of the three tables the procedure's schema already has."""
        names = ", ".join(f"'{table.name}'" for table in (self.files, self.state, self.runs))
        return (
            f"SELECT TABLE_NAME FROM {quote(self.files.database or '')}.{quote('INFORMATION_SCHEMA')}.{quote('TABLES')}"
            " "
            f"WHERE TABLE_SCHEMA = ? AND TABLE_NAME IN ({names})"
        )

    def directory_page(self) -> str:
        """Params: after path. A keyset page of the stage's directory table (its size inlined, not bound)."""
        return (
            f"SELECT RELATIVE_PATH, SIZE, LAST_MODIFIED, MD5, ETAG FROM DIRECTORY({stage_reference(self.stage)}) "
            f"WHERE RELATIVE_PATH > ? ORDER BY RELATIVE_PATH LIMIT {PAGE_ROWS}"
        )

    def presigned_urls(self, expiry_seconds: int) -> str:
        """Params: JSON array of paths. Each path with its presigned URL; the expiry is a validated integer, inlined."""
        path = "f.VALUE::VARCHAR"
        url = f"GET_PRESIGNED_URL({stage_reference(self.stage)}, {path}, {int(expiry_seconds)})"
        return f"SELECT {path}, {url} FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"

    def stored_page(self) -> str:
        """Params: stage, bucket, after path. A keyset page of the pair's file rows."""
        return (
            f"SELECT RELATIVE_PATH, CHECKSUM, STATUS, OBJECT_ID FROM {self.files.sql} "
            f"WHERE STAGE = ? AND BUCKET_ID = ? AND RELATIVE_PATH > ? ORDER BY RELATIVE_PATH LIMIT {PAGE_ROWS}"
        )

    def _rows_source(self, fields: tuple[tuple[str, str, str], ...]) -> str:
        """SELECT stage, bucket, run id and each (key, column, type) of the bound JSON array's objects."""
        columns = ", ".join(
            to_timestamp_ntz(f"f.VALUE:{key}::VARCHAR") + f" AS {column}"
            if kind == "TIMESTAMP_NTZ"
            else f"f.VALUE:{key}::{kind} AS {column}"
            for key, column, kind in fields
        )
        return f"SELECT ? AS STAGE, ? AS BUCKET_ID, ? AS RUN_ID, {columns} FROM {LATERAL_ROWS}"

    def record_files(self) -> str:
        """Params: stage, bucket, run_id, JSON array of {path, checksum, size, modified, object_id, key, batch_id,
        collection, status, error, first_sent, last_sent, seen}, one per path. Every source column is used bare in
        the INSERT, as fakesnow's MERGE needs (it keeps only the source columns named bare)."""
        t = "t"
        names = [column for _, column, _ in RECORDED]
        updates = ", ".join(
            f"{c} = COALESCE({t}.{c}, s.{c})"
            if c == "FIRST_SENT_AT"
            else f"{c} = COALESCE(s.{c}, {t}.{c})"
            if c == "LAST_SENT_AT"
            else f"{c} = s.{c}"
            for c in names[1:]
        )
        return (
            f"MERGE INTO {self.files.sql} t USING ({self._rows_source(RECORDED)}) s ON {t}.STAGE = s.STAGE "
            f"AND {t}.BUCKET_ID = s.BUCKET_ID AND {t}.RELATIVE_PATH = s.RELATIVE_PATH "
            f"WHEN MATCHED THEN UPDATE SET {updates}, LAST_RUN_ID = s.RUN_ID "
            f"WHEN NOT MATCHED THEN INSERT (STAGE, BUCKET_ID, {', '.join(names)}, LAST_RUN_ID) "
            f"VALUES (s.STAGE, s.BUCKET_ID, {', '.join('s.' + n for n in names)}, s.RUN_ID)"
        )

    def record_gone(self) -> str:
        """Params: stage, bucket, run_id, JSON array of {path, status, error}: files gone from the stage keep their
        other columns."""
        fields = (("path", "RELATIVE_PATH", "VARCHAR"), ("status", "STATUS", "VARCHAR"), ("error", "ERROR", "VARCHAR"))
        return (
            f"MERGE INTO {self.files.sql} t USING ({self._rows_source(fields)}) s ON t.STAGE = s.STAGE "
            "AND t.BUCKET_ID = s.BUCKET_ID AND t.RELATIVE_PATH = s.RELATIVE_PATH "
            "WHEN MATCHED THEN UPDATE SET STATUS = s.STATUS, ERROR = s.ERROR, LAST_RUN_ID = s.RUN_ID"
        )

    def mark_seen(self) -> str:
        """Params: now, run_id, stage, bucket, JSON array of unchanged paths."""
        return (
            f"UPDATE {self.files.sql} SET LAST_SEEN_AT = {AT}, LAST_RUN_ID = ? WHERE STAGE = ? AND BUCKET_ID = ? "
            "AND RELATIVE_PATH IN (SELECT f.VALUE::VARCHAR FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f)"
        )

    def ensure_state(self) -> str:
        """Params: stage, bucket."""
        s = self.state.sql
        return (
            f"MERGE INTO {s} USING (SELECT ? AS STAGE, ? AS BUCKET_ID) k "
            f"ON {s}.STAGE = k.STAGE AND {s}.BUCKET_ID = k.BUCKET_ID "
            "WHEN NOT MATCHED THEN INSERT (STAGE, BUCKET_ID) VALUES (k.STAGE, k.BUCKET_ID)"
        )

    def acquire_lease(self) -> str:
        """Params: run_id, expires_at, stage, bucket, now. Updates one row when the lease was free or lapsed."""
        return (
            f"UPDATE {self.state.sql} SET LEASE_RUN_ID = ?, LEASE_EXPIRES_AT = {AT} WHERE STAGE = ? AND BUCKET_ID = ? "
            f"AND (LEASE_RUN_ID IS NULL OR LEASE_EXPIRES_AT < {AT})"
        )

    def read_lease(self) -> str:
        """Params: stage, bucket."""
        return f"SELECT LEASE_RUN_ID, LEASE_EXPIRES_AT FROM {self.state.sql} WHERE STAGE = ? AND BUCKET_ID = ?"

    def release_lease(self, succeeded: bool) -> str:
        """Params: (run_id, now,) stage, bucket, run_id."""
        done = f"LAST_RUN_ID = ?, LAST_SUCCESS_AT = {AT}, " if succeeded else ""
        return (
            f"UPDATE {self.state.sql} SET {done}LEASE_RUN_ID = NULL, LEASE_EXPIRES_AT = NULL "
            "WHERE STAGE = ? AND BUCKET_ID = ? AND LEASE_RUN_ID = ?"
        )

    def insert_run(self) -> str:
        """Params: run_id, collection, dry_run, started_at, options JSON, definition JSON, stage, bucket, user,
        role, query_id."""
        return (
            f"INSERT INTO {self.runs.sql} (RUN_ID, COLLECTION_ID, MODE, STATUS, DRY_RUN, STARTED_AT, OPTIONS, "
            "DEFINITION, STAGE, BUCKET_ID, USER_NAME, ROLE_NAME, QUERY_ID) "
            f"SELECT ?, ?, 'ingest', 'RUNNING', ?, {AT}, PARSE_JSON(?), PARSE_JSON(?), ?, ?, ?, ?, ?"
        )

    def finish_run(self) -> str:
        """Params: status, finished_at, *RUN_COUNTERS, duration, error, summary JSON, reason, batch ids JSON,
        run_id."""
        counters = ", ".join(f"{name} = ?" for name in RUN_COUNTERS)
        return (
            f"UPDATE {self.runs.sql} SET STATUS = ?, FINISHED_AT = {AT}, {counters}, DURATION_SECONDS = ?, "
            "ERROR = ?, SUMMARY = PARSE_JSON(?), REASON = ?, BATCH_IDS = PARSE_JSON(?) WHERE RUN_ID = ?"
        )

    def abandon_runs(self) -> str:
        """Params: finished_at, error, stage, bucket, run_id, lapsed lease holder. The holder of a lapsed lease
        left RUNNING by a process that died."""
        return (
            f"UPDATE {self.runs.sql} SET STATUS = 'ABANDONED', FINISHED_AT = {AT}, ERROR = ? "
            "WHERE STATUS = 'RUNNING' AND STAGE = ? AND BUCKET_ID = ? AND RUN_ID <> ? AND RUN_ID = ?"
        )
