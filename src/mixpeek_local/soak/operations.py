"""What an operator does to a target between soak runs: drop it, truncate it, delete rows by hand, change its
definition; the soak then expects the next run to bring the target back to its definition."""

from __future__ import annotations

import random
from typing import Any

from mixpeek_snowflake.sync.statements import SyncTables

OPERATION_SHARE = 0.15
OUT_OF_STOCK = {"field": "metadata.in_stock", "operator": "eq", "value": False}
OPERATIONS = ("drop", "truncate", "delete rows", "filter", "unfilter", "second collection")


def in_definition(doc: dict[str, Any], filtered: bool) -> bool:
    """Whether a document is in the target's definition (the whole collection, or the OUT_OF_STOCK filter)."""
    metadata = doc.get("metadata")
    return not filtered or (isinstance(metadata, dict) and metadata.get("in_stock") is False)


class TargetOperations:
    """Picks and performs one operation on the target; `filtered` is the definition the target holds."""

    def __init__(self, session: Any, tables: SyncTables) -> None:
        self.session = session
        self.tables = tables
        self.filtered = False

    def pick(self, rng: random.Random) -> str | None:
        """An operation for this run, or None (most runs)."""
        if rng.random() >= OPERATION_SHARE:
            return None
        return rng.choice([op for op in OPERATIONS if op != ("unfilter" if not self.filtered else "filter")])

    def perform(self, operation: str | None, rng: random.Random) -> dict[str, Any]:
        """Do the operation; return the options the next run must add (a redefinition)."""
        target = self.tables.target.sql
        if operation == "drop":
            self.session.sql(f"DROP TABLE IF EXISTS {target}").collect()
        elif operation == "truncate" and self._exists():
            self.session.sql(f"TRUNCATE TABLE {target}").collect()
        elif operation == "delete rows":
            self._delete_some(rng)
        elif operation == "filter":
            return {"redefine": True, "filters": OUT_OF_STOCK}
        elif operation == "unfilter":
            return {"redefine": True}
        return {}

    def committed(self, operation: str | None) -> None:
        """The run after the operation succeeded: a redefinition now holds."""
        if operation in ("filter", "unfilter"):
            self.filtered = operation == "filter"

    def _exists(self) -> bool:
        sql = "SELECT COUNT(*) FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = CURRENT_SCHEMA() AND TABLE_NAME = ?"
        return bool(self.session.sql(sql, params=[self.tables.target.name]).collect()[0][0])

    def _delete_some(self, rng: random.Random) -> None:
        if not self._exists():
            return
        ids = [row[0] for row in self.session.sql(f"SELECT DOCUMENT_ID FROM {self.tables.target.sql}").collect()]
        doomed = rng.sample(ids, min(len(ids), rng.randint(1, 5)))
        if doomed:
            marks = ", ".join("?" * len(doomed))
            sql = f"DELETE FROM {self.tables.target.sql} WHERE DOCUMENT_ID IN ({marks})"
            self.session.sql(sql, params=doomed).collect()
