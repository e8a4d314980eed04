"""unlock_mixpeek_sync: free the lease a stopped run still holds, so the next sync need not wait for it to lapse."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.operate.statements import CURRENT_CONTEXT, LeaseTables
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.operation_log import committed
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, utc_now

UNLOCKED = "UNLOCKED"
NOT_HELD = "NOT_HELD"


def _plain(value: Any) -> Any:
    return value.isoformat() if isinstance(value, datetime) else value


class Unlock:
    """Releases the pair's lease when the given run holds it and marks that run ABANDONED; refuses any other run.

    Should the run in fact still be alive, it cannot commit: its last step checks it still holds the lease.
    """

    def __init__(
        self, db: Database, collection: str, target: TableName, run_id: str, *, clock: Callable[[], datetime] = utc_now
    ) -> None:
        self.db = db
        self.collection = collection
        self.target = target
        self.run_id = run_id
        self.clock = clock

    def run(self) -> dict[str, Any]:
        database, schema = self.db.first(CURRENT_CONTEXT) or (None, None)
        target = self.target.qualified(str(database or ""), str(schema or ""))
        tables = LeaseTables.beside(target)
        key = [self.collection, target.display]
        summary = {"collection_id": self.collection, "target_table": target.display, "run_id": self.run_id}
        held = None
        if self.db.count(tables.exists(), [tables.state.schema, tables.state.name]):
            held = self.db.first(tables.lease(), key)
        if not held or held[0] is None:
            return {**summary, "status": NOT_HELD, "note": "no run holds the lease of this pair; nothing changed"}
        if held[0] != self.run_id:
            raise InvalidArgument(
                "run_id",
                f"{self.run_id!r} does not hold the lease of {self.collection} → {target.display}; run {held[0]} "
                f"does (until {_plain(held[1])} UTC): give that run id, once you know its process has ended",
            )
        committed(self.db, tables.release(), [*key, self.run_id])
        error = "unlocked by unlock_mixpeek_sync: its process had ended or was stopped"
        abandoned = committed(self.db, tables.abandon(), [format_timestamp(self.clock()), error, self.run_id])
        return {**summary, "status": UNLOCKED, "lease_expired_at": _plain(held[1]), "runs_abandoned": abandoned}
