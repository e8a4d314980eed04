"""Every SQL statement the ingestion runs: text with qmark parameters over validated, quoted identifiers."""

from __future__ import annotations

from dataclasses import dataclass

from mixpeek_snowflake.snowflake.ddl import create_table
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.tables import INGEST_RUNS, INGEST_STATE, STAGE_FILES
from mixpeek_snowflake.snowflake.timestamps import BOUND_TIMESTAMP as AT
from mixpeek_snowflake.snowflake.timestamps import to_timestamp_ntz

CURRENT_CONTEXT = "SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()"
WHO = "SELECT CURRENT_USER(), CURRENT_ROLE(), LAST_QUERY_ID()"
WHO_WITHOUT_QUERY_ID = "SELECT CURRENT_USER(), CURRENT_ROLE(), NULL"
PAGE_ROWS = 1000
RUN_COUNTERS = (
    *("DOCUMENTS_SEEN", "INSERTED", "UPDATED", "UNCHANGED", "DELETED", "REJECTED", "PAGES"),
    *("API_REQUESTS", "RETRIES", "KEPT"),
)
KEPT_WHEN_GONE = ("SIZE_BYTES", "LAST_MODIFIED", "IDEMPOTENCY_KEY", "BATCH_ID", "COLLECTION_ID")


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

    def creation(self) -> list[str]:
        """CREATE TABLE IF NOT EXISTS for the three tables, run before any transaction (DDL commits in Snowflake)."""
        pairs = ((STAGE_FILES, self.files), (INGEST_STATE, self.state), (INGEST_RUNS, self.runs))
        return [create_table(spec, table) for spec, table in pairs]

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

    def record_files(self) -> str:
        """Params: stage, bucket, run_id, now, JSON array of {path, checksum, size, modified, object_id, key,
        batch_id, collection, status, error, sent, gone}. One row per path (a path is unique in the array); a gone
        file keeps its size, time, key and batch."""
        t = self.files.sql
        kept = ", ".join(f"{c} = CASE WHEN s.GONE THEN {t}.{c} ELSE s.{c} END" for c in KEPT_WHEN_GONE)
        source = (
            "SELECT ? AS STAGE, ? AS BUCKET_ID, ? AS RUN_ID, "
            f"{AT} AS WRITTEN_AT, f.VALUE:path::VARCHAR AS RELATIVE_PATH, f.VALUE:checksum::VARCHAR AS CHECKSUM, "
            "f.VALUE:size::NUMBER(38,0) AS SIZE_BYTES, "
            f"{to_timestamp_ntz('f.VALUE:modified::VARCHAR')} AS LAST_MODIFIED, "
            "f.VALUE:object_id::VARCHAR AS OBJECT_ID, f.VALUE:key::VARCHAR AS IDEMPOTENCY_KEY, "
            "f.VALUE:batch_id::VARCHAR AS BATCH_ID, f.VALUE:collection::VARCHAR AS COLLECTION_ID, "
            "f.VALUE:status::VARCHAR AS STATUS, f.VALUE:error::VARCHAR AS ERROR, f.VALUE:sent::BOOLEAN AS SENT, "
            "f.VALUE:gone::BOOLEAN AS GONE "
            "FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"
        )
        return (
            f"MERGE INTO {t} USING ({source}) s ON {t}.STAGE = s.STAGE AND {t}.BUCKET_ID = s.BUCKET_ID "
            f"AND {t}.RELATIVE_PATH = s.RELATIVE_PATH "
            f"WHEN MATCHED THEN UPDATE SET CHECKSUM = s.CHECKSUM, {kept}, "
            "OBJECT_ID = s.OBJECT_ID, STATUS = s.STATUS, ERROR = s.ERROR, "
            f"FIRST_SENT_AT = CASE WHEN s.SENT AND {t}.FIRST_SENT_AT IS NULL THEN s.WRITTEN_AT "
            f"ELSE {t}.FIRST_SENT_AT END, "
            f"LAST_SENT_AT = CASE WHEN s.SENT THEN s.WRITTEN_AT ELSE {t}.LAST_SENT_AT END, "
            f"LAST_SEEN_AT = CASE WHEN s.GONE THEN {t}.LAST_SEEN_AT ELSE s.WRITTEN_AT END, "
            "LAST_RUN_ID = s.RUN_ID "
            "WHEN NOT MATCHED THEN INSERT (STAGE, BUCKET_ID, RELATIVE_PATH, CHECKSUM, SIZE_BYTES, LAST_MODIFIED, "
            "OBJECT_ID, IDEMPOTENCY_KEY, BATCH_ID, COLLECTION_ID, STATUS, ERROR, FIRST_SENT_AT, LAST_SENT_AT, "
            "LAST_SEEN_AT, LAST_RUN_ID) VALUES (s.STAGE, s.BUCKET_ID, s.RELATIVE_PATH, s.CHECKSUM, s.SIZE_BYTES, "
            "s.LAST_MODIFIED, s.OBJECT_ID, s.IDEMPOTENCY_KEY, s.BATCH_ID, s.COLLECTION_ID, s.STATUS, s.ERROR, "
            "CASE WHEN s.SENT THEN s.WRITTEN_AT END, CASE WHEN s.SENT THEN s.WRITTEN_AT END, s.WRITTEN_AT, s.RUN_ID)"
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
