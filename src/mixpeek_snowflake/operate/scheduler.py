"""run_due_mixpeek_syncs: one sync per due, enabled target, each on its own, so one failing stops no other."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from mixpeek_snowflake.errors import truncate
from mixpeek_snowflake.operate.options import DAILY_FULL, HOURLY_INCREMENTAL, SCHEDULES, schedule_classes
from mixpeek_snowflake.operate.targets import Targets
from mixpeek_snowflake.snowflake.operation_log import committed
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, parse_timestamp, utc_now

log = logging.getLogger("mixpeek_snowflake.operate")
MAX_ERROR_CHARS = 2000
PAUSED = "PAUSED"
NOT_DUE = "NOT_DUE"
FAILED = "FAILED"
SKIPPED = "SKIPPED"
SUCCEEDED = "SUCCEEDED"

RunSync = Callable[[str, str, str, dict[str, Any]], dict[str, Any]]
"""Runs sync_mixpeek_collection(collection, target, mode, options) and returns its summary, or raises."""

NEXT_COLUMN = {HOURLY_INCREMENTAL: "next_incremental_at", DAILY_FULL: "next_full_at"}


def _moment(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    return parse_timestamp(value)


def due_classes(target: dict[str, Any], now: datetime) -> list[str]:
    """The target's schedule classes whose next run is due (never run counts as due)."""
    due = []
    for name in schedule_classes(target["schedule"]):
        moment = _moment(target.get(NEXT_COLUMN[name]))
        if moment is None or moment <= now:
            due.append(name)
    return due


def mode_for(due: list[str]) -> str:
    """A due full run covers a due incremental one: one sync per target per scheduler run."""
    return "full" if DAILY_FULL in due else "incremental"


def next_due(target: dict[str, Any], mode: str, status: str, now: datetime) -> dict[str, datetime | None]:
    """When each class is due next: a run (of any outcome but SKIPPED) pushes back the classes it covered."""
    covered = {HOURLY_INCREMENTAL, DAILY_FULL} if mode == "full" else {HOURLY_INCREMENTAL}
    result: dict[str, datetime | None] = {}
    for name, column in NEXT_COLUMN.items():
        current = _moment(target.get(column))
        scheduled = name in schedule_classes(target["schedule"])
        if status != SKIPPED and scheduled and name in covered:
            result[column] = now + timedelta(seconds=SCHEDULES[name][1])
        else:
            result[column] = current
    return result


class Scheduler:
    """One run of run_due_mixpeek_syncs over the targets of the procedure's schema."""

    def __init__(self, targets: Targets, run_sync: RunSync, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.targets = targets
        self.run_sync = run_sync
        self.clock = clock

    def run(self) -> dict[str, Any]:
        """Run every due, enabled target; return a summary with one entry per configured target."""
        started, timer = self.clock(), time.monotonic()
        results = [self._one(target, started) for target in self.targets.list()]
        ran = [r for r in results if r["status"] not in (PAUSED, NOT_DUE)]
        failed = [r for r in ran if r["status"] == FAILED]
        status = FAILED if failed and len(failed) == len(ran) else "PARTIAL" if failed else SUCCEEDED
        return {
            "status": status,
            "started_at": started.isoformat() + "Z",
            "targets": results,
            "ran": len(ran),
            "failed": len(failed),
            "skipped": sum(r["status"] == SKIPPED for r in ran),
            "paused": sum(r["status"] == PAUSED for r in results),
            "not_due": sum(r["status"] == NOT_DUE for r in results),
            "duration_seconds": round(time.monotonic() - timer, 3),
        }

    def _one(self, target: dict[str, Any], now: datetime) -> dict[str, Any]:
        result: dict[str, Any] = {
            "collection_id": target["collection_id"],
            "target_table": target["target_table"],
            "schedule": target["schedule"],
        }
        if not target["enabled"]:
            return {**result, "status": PAUSED, "paused_reason": target["paused_reason"]}
        due = due_classes(target, now)
        if not due:
            upcoming = {column: target.get(column) for column in NEXT_COLUMN.values()}
            return {**result, "status": NOT_DUE, **upcoming}
        mode = mode_for(due)
        result |= {"due": due, "mode": mode, **self._sync(target, mode)}
        following = next_due(target, mode, result["status"], now)
        result |= {column: moment.isoformat() if moment else None for column, moment in following.items()}
        self._record(target, following, result, now)
        return result

    def _sync(self, target: dict[str, Any], mode: str) -> dict[str, Any]:
        try:
            summary = self.run_sync(target["collection_id"], target["target_table"], mode, dict(target["options"]))
        except Exception as exc:
            error = truncate(f"{type(exc).__name__}: {exc}", MAX_ERROR_CHARS)
            log.error("scheduled %s sync of %s failed: %s", mode, target["target_table"], error)
            return {"status": FAILED, "run_id": None, "error": error}
        return {
            "status": summary.get("status"),
            "run_id": summary.get("run_id"),
            "error": summary.get("error"),
            "reason": summary.get("reason"),
            "documents_seen": summary.get("documents_seen"),
        }

    def _record(
        self, target: dict[str, Any], following: dict[str, datetime | None], result: dict[str, Any], now: datetime
    ) -> None:
        params = [format_timestamp(following["next_incremental_at"]), format_timestamp(following["next_full_at"])]
        params += [format_timestamp(now), result.get("run_id"), result["status"]]
        params += [target["collection_id"], target["target_table"]]
        try:
            committed(self.targets.db, self.targets.tables.scheduled(), params)
        except Exception as exc:
            log.exception("could not record the scheduled run of %s", target["target_table"])
            result["record_error"] = truncate(f"{type(exc).__name__}: {exc}", MAX_ERROR_CHARS)
