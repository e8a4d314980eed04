"""The run row of an enrich or view build in MIXPEEK_OPERATION_RUNS: RUNNING at the start, then how it ended."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from mixpeek_snowflake.errors import truncate
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.ddl import create_table
from mixpeek_snowflake.snowflake.identifiers import TableName, quote
from mixpeek_snowflake.snowflake.tables import OPERATION_RUNS
from mixpeek_snowflake.snowflake.timestamps import BOUND_TIMESTAMP as AT
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, utc_now

log = logging.getLogger("mixpeek_snowflake.operation_log")
MAX_ERROR_CHARS = 4000
WHO = "SELECT CURRENT_USER(), CURRENT_ROLE()"


def table_exists(table: TableName) -> str:
    """Params: schema, table. COUNT(*) of the table in its database's INFORMATION_SCHEMA."""
    catalog = f"{quote(table.database)}.INFORMATION_SCHEMA" if table.database else "INFORMATION_SCHEMA"
    return f"SELECT COUNT(*) FROM {catalog}.TABLES WHERE TABLE_SCHEMA = ? AND TABLE_NAME = ?"


def insert_run(table: TableName) -> str:
    """Params: kind, run_id, collection, target, dry_run, started_at, user, role."""
    return (
        f"INSERT INTO {table.sql} (KIND, RUN_ID, COLLECTION_ID, TARGET, STATUS, DRY_RUN, STARTED_AT, USER_NAME, "
        f"ROLE_NAME) SELECT ?, ?, ?, ?, 'RUNNING', ?, {AT}, ?, ?"
    )


def finish_run(table: TableName) -> str:
    """Params: status, finished_at, collection, documents, failed, error, summary JSON, run_id."""
    return (
        f"UPDATE {table.sql} SET STATUS = ?, FINISHED_AT = {AT}, COLLECTION_ID = ?, DOCUMENTS = ?, FAILED = ?, "
        "ERROR = ?, SUMMARY = PARSE_JSON(?) WHERE RUN_ID = ?"
    )


def committed(db: Database, statement: str, params: Sequence[Any] = ()) -> int:
    """One write in a transaction of its own that always ends in COMMIT, whatever the caller's AUTOCOMMIT (with
    AUTOCOMMIT off the BEGIN is ignored inside the implicit transaction and the COMMIT ends it)."""
    db.rows("BEGIN")
    try:
        return db.count(statement, params)
    finally:
        db.rows("COMMIT")


class OperationLog:
    """Writes one run's row; a failure to write it is logged and never changes the run's outcome."""

    def __init__(
        self,
        db: Database,
        table: TableName,
        kind: str,
        run_id: str,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.table = table
        self.kind = kind
        self.run_id = run_id
        self.clock = clock
        self.started = False

    def _now(self) -> str:
        return format_timestamp(self.clock()) or ""

    def _ensure_table(self) -> None:
        if not self.db.count(table_exists(self.table), [self.table.schema, self.table.name]):
            self.db.rows(create_table(OPERATION_RUNS, self.table))

    def start(self, collection: str, target: str, dry_run: bool) -> None:
        """Create the table when it is missing (DDL before any write) and insert the RUNNING row."""
        try:
            self._ensure_table()
            who = self.db.first(WHO) or (None, None)
            params = [self.kind, self.run_id, collection, target, dry_run, self._now(), *who]
            committed(self.db, insert_run(self.table), params)
            self.started = True
        except Exception:
            log.exception("%s run %s: could not record its start in %s", self.kind, self.run_id, self.table.display)

    def finish(self, status: str, collection: str, summary: dict[str, Any], documents: int, failed: int) -> None:
        """Record how the run ended, with its summary."""
        self._write(status, collection, documents, failed, summary.get("error"), summary)

    def fail(self, collection: str, exc: BaseException) -> None:
        """Record why the run failed."""
        error = truncate(f"{type(exc).__name__}: {exc}", MAX_ERROR_CHARS)
        self._write("FAILED", collection, None, None, error, {"run_id": self.run_id, "status": "FAILED"})

    def _write(
        self,
        status: str,
        collection: str,
        documents: int | None,
        failed: int | None,
        error: str | None,
        summary: dict[str, Any],
    ) -> None:
        if not self.started:
            return
        params = [status, self._now(), collection, documents, failed, error]
        try:
            committed(self.db, finish_run(self.table), [*params, json.dumps(summary, default=str), self.run_id])
        except Exception:
            log.exception("%s run %s: could not record its end in %s", self.kind, self.run_id, self.table.display)
