"""The configured sync targets: add, change, pause, resume, remove and list rows of MIXPEEK_SYNC_TARGETS."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import datetime
from typing import Any

from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError
from mixpeek_snowflake.operate.options import DEFAULT_SCHEDULE, TargetRequest
from mixpeek_snowflake.operate.statements import CURRENT_CONTEXT, TARGET_COLUMNS, TargetTables
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.operation_log import committed
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, utc_now


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    return value


def target_row(row: tuple[Any, ...]) -> dict[str, Any]:
    """A MIXPEEK_SYNC_TARGETS row as the JSON the procedures return (lower-case keys, ISO timestamps)."""
    found = {name.lower(): _plain(value) for name, value in zip(TARGET_COLUMNS, row, strict=True)}
    options = found.get("options")
    found["options"] = json.loads(options) if isinstance(options, str) else options or {}
    return found


class Targets:
    """MIXPEEK_SYNC_TARGETS of the procedure's schema, where the procedure runs (owner's rights)."""

    def __init__(self, db: Database, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.clock = clock
        database, schema = db.first(CURRENT_CONTEXT) or (None, None)
        if not database or not schema:
            raise MixpeekSnowflakeError(
                "the session has no current database and schema for MIXPEEK_SYNC_TARGETS; run the procedure "
                "where it was deployed (or USE SCHEMA first on the local engine)"
            )
        self.database, self.schema = str(database), str(schema)
        self.tables = TargetTables.in_schema(self.database, self.schema)

    def qualified(self, target: TableName) -> TableName:
        """The target table in the procedure's database and schema when it names neither."""
        return target.qualified(self.database, self.schema)

    def exists(self) -> bool:
        return bool(self.db.count(self.tables.exists(), [self.schema, self.tables.targets.name]))

    def _now(self) -> str:
        return format_timestamp(self.clock()) or ""

    def _key(self, collection: str, target: TableName) -> list[str]:
        return [collection, self.qualified(target).display]

    def get(self, collection: str, target: TableName) -> dict[str, Any] | None:
        """The target's row, or None."""
        if not self.exists():
            return None
        row = self.db.first(self.tables.read(), self._key(collection, target))
        return target_row(row) if row else None

    def _require(self, collection: str, target: TableName) -> dict[str, Any]:
        found = self.get(collection, target)
        if found is None:
            raise InvalidArgument(
                "target_table",
                f"no sync target {collection} → {self.qualified(target).display} is configured; add it first "
                "with add_mixpeek_target (list them: SELECT * FROM MIXPEEK_SYNC_TARGETS)",
            )
        return found

    def list(self) -> list[dict[str, Any]]:
        """Every configured target, in key order."""
        if not self.exists():
            return []
        found: list[dict[str, Any]] = []
        last = ("", "")
        while rows := self.db.rows(self.tables.read_after(), [last[0], last[0], last[1]]):
            found += [target_row(row) for row in rows]
            last = (found[-1]["collection_id"], found[-1]["target_table"])
        return found

    def add(self, request: TargetRequest) -> dict[str, Any]:
        """Configure a new target (enabled, due at the scheduler's next run); refuse a pair configured already."""
        if not self.exists():
            self.db.rows(self.tables.create())
        key = self._key(request.collection, request.target)
        if self.get(request.collection, request.target) is not None:
            raise InvalidArgument(
                "target_table",
                f"sync target {key[0]} → {key[1]} is configured already; change it with change_mixpeek_target",
            )
        options = {k: v for k, v in request.sync_options.items() if v is not None}
        now = self._now()
        params = [*key, json.dumps(options), request.schedule or DEFAULT_SCHEDULE, request.stale_after_seconds]
        committed(self.db, self.tables.add(), [*params, now, now, *key])
        return self._require(request.collection, request.target)

    def change(self, request: TargetRequest) -> dict[str, Any]:
        """Change the schedule, stale_after_seconds or sync options given (a key set to null is removed)."""
        found = self._require(request.collection, request.target)
        options = dict(found["options"])
        for name, value in request.sync_options.items():
            if value is None:
                options.pop(name, None)
            else:
                options[name] = value
        schedule = request.schedule or found["schedule"]
        stale = request.stale_after_seconds if "stale_after_seconds" in request.given else found["stale_after_seconds"]
        key = self._key(request.collection, request.target)
        committed(self.db, self.tables.change(), [json.dumps(options), schedule, stale, self._now(), *key])
        return self._require(request.collection, request.target)

    def pause(self, collection: str, target: TableName, reason: str) -> dict[str, Any]:
        """Disable the target: the scheduler skips it until resume."""
        self._require(collection, target)
        committed(self.db, self.tables.pause(), [reason, self._now(), *self._key(collection, target)])
        return self._require(collection, target)

    def resume(self, collection: str, target: TableName) -> dict[str, Any]:
        """Enable the target again; it runs at the scheduler's next run if it is due."""
        self._require(collection, target)
        committed(self.db, self.tables.resume(), [self._now(), *self._key(collection, target)])
        return self._require(collection, target)

    def remove(self, collection: str, target: TableName) -> dict[str, Any]:
        """Forget the target's configuration; its table, state and run log are kept."""
        found = self._require(collection, target)
        committed(self.db, self.tables.remove(), self._key(collection, target))
        return {**found, "removed": True}
