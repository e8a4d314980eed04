"""reset_mixpeek_sync: forget a (collection, target) pair's state so its next run resyncs from scratch."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from mixpeek_snowflake.errors import SyncConflict
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, utc_now
from mixpeek_snowflake.sync.statements import CURRENT_CONTEXT, SyncTables
from mixpeek_snowflake.sync.target import inspect_schema


class Reset:
    """Deletes the state row of one pair (watermark, change-feed cursor, definition, identity); touches no other."""

    def __init__(
        self, db: Database, collection_id: str, target: TableName, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.db = db
        self.collection_id = collection_id
        self.target = target
        self.clock = clock

    def _tables(self) -> SyncTables:
        if self.target.is_qualified:
            return SyncTables.beside(self.target)
        database, schema = self.db.first(CURRENT_CONTEXT) or (None, None)
        return SyncTables.beside(self.target.qualified(database or "", schema or ""))

    def run(self) -> dict[str, Any]:
        """Delete the pair's state row; refuse while a run holds its lease."""
        tables = self._tables()
        facts = inspect_schema(self.db, tables, for_write=False)
        key = [self.collection_id, tables.target.display]
        summary = {"status": "RESET", "collection_id": self.collection_id, "target_table": tables.target.display}
        if not facts.has(tables.state.name):
            return {**summary, "state_rows_deleted": 0, "note": "no sync has run in this schema"}
        deleted = self.db.count(tables.reset_state(), [*key, format_timestamp(self.clock())])
        if not deleted and self.db.first(tables.read_state(), key):
            row = self.db.first(tables.read_state(), key) or (None,) * 4
            raise SyncConflict(
                f"a sync of {self.collection_id} into {tables.target.display} holds the lease (run {row[2]}, until "
                f"{row[3]} UTC); reset changed nothing: run it again once that run has ended"
            )
        note = "the next run is full and takes its definition from its own options"
        if not deleted:
            note = f"no state for collection {self.collection_id!r} (give its id, col_…) in {tables.target.display}"
        return {**summary, "state_rows_deleted": deleted, "note": note}
