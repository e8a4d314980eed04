"""The run's row in MIXPEEK_SYNC_RUNS: who started it with which options, how it ended, and ghosts closed."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from mixpeek_snowflake.errors import truncate
from mixpeek_snowflake.snowflake.operation_log import committed
from mixpeek_snowflake.snowflake.timestamps import format_timestamp

if TYPE_CHECKING:
    from mixpeek_snowflake.sync.engine import Sync

log = logging.getLogger("mixpeek_snowflake.sync")
MAX_ERROR_CHARS = 4000
ABANDONED = "ABANDONED"
PROGRESS_EVERY_SECONDS = 10.0


class RunLog:
    """Writes one run's row: RUNNING at the start, then SUCCEEDED, FAILED, SKIPPED or CANCELLED; each write is
    committed at once (the caller's AUTOCOMMIT may be off)."""

    progress_every: float | None = PROGRESS_EVERY_SECONDS

    def __init__(self, run: Sync) -> None:
        self.run = run
        self._progress_at = time.monotonic()

    def start(self) -> None:
        """Insert the RUNNING row."""
        run, request = self.run, self.run.request
        params = [run.run_id, request.collection, run.tables.target.display, request.mode, run.dry_run]
        params += [run._now_text(), json.dumps(request.given, sort_keys=True), *self.run.db.who()]
        run.db.rows(run.tables.insert_run(), params)
        run.db.commit()

    def progress(self) -> None:
        """At most every progress_every seconds while staging: the documents, pages and rejects so far into the
        RUNNING row, committed at once (whatever the caller's AUTOCOMMIT) so another session sees them; a failure
        is logged and stops the updates, never the run."""
        if self.progress_every is None or time.monotonic() - self._progress_at < self.progress_every:
            return
        self._progress_at = time.monotonic()
        run, progress = self.run, self.run.progress
        params = [progress.documents_seen, progress.pages, progress.rejected, run.run_id]
        try:
            committed(run.db, run.tables.progress_run(), params)
        except Exception:
            log.warning("run %s: could not record its progress; it goes on without", run.run_id, exc_info=True)
            self.progress_every = None

    def _finish(self, summary: dict[str, Any]) -> None:
        run = self.run
        counters = [summary[k] for k in ("documents_seen", "inserted", "updated", "unchanged", "deleted")]
        counters += [summary[k] for k in ("rejected", "pages", "api_requests", "retries")]
        params = [summary["status"], run._now_text(), run.collection_id, run.mode, *counters]
        params += [summary["duration_seconds"], summary["error"], json.dumps(summary), summary["reason"]]
        params += [run.definition.as_json(), run.run_id]
        run.db.rows(run.tables.finish_run(), params)
        run.db.commit()

    def end(self, status: str) -> dict[str, Any]:
        """Record a run that ended without an error; return its summary."""
        summary = self.run.summary(status)
        self._finish(summary)
        log.info("run %s %s: %s", self.run.run_id, status.lower(), json.dumps(summary))
        return summary

    def fail(self, exc: BaseException, status: str) -> None:
        """Record why the run failed (or was cancelled); never raises."""
        message = truncate(f"{type(exc).__name__}: {exc}", MAX_ERROR_CHARS)
        log.error("run %s %s: %s", self.run.run_id, status.lower(), message)
        try:
            self._finish(self.run.summary(status, message))
        except BaseException:
            log.exception("run %s: could not record its end", self.run.run_id)

    def close_abandoned(self, lease_holder: str | None, now: datetime) -> int:
        """Mark ABANDONED the runs of the pair left RUNNING by a process that ended (the lapsed lease holder, every
        other run that was not a dry run, and dry runs older than a lease); return how many."""
        run = self.run
        error = f"its process ended before the run finished; closed by run {run.run_id}"
        older = format_timestamp(now - timedelta(seconds=run.request.options.lease_seconds)) or ""
        params = [ABANDONED, run._now_text(), error, run.collection_id, run.request.collection]
        params += [run.tables.target.display, run.run_id, lease_holder or "", older]
        return run.db.count(run.tables.abandon_runs(), params)


def run_summary(run: Sync, status: str, error: str | None = None) -> dict[str, Any]:
    """The run summary the CALL returns and the run row keeps."""
    counts, progress = run.progress.counts, run.progress
    stats = run.client.stats.snapshot() if run.client else {}
    summary = {
        "run_id": run.run_id,
        "status": status,
        "mode": run.mode,
        "requested_mode": run.request.mode,
        "reason": run.reason,
        "collection_id": run.collection_id,
        "target_table": run.tables.target.display,
        "definition": json.loads(run.definition.as_json()),
        "dry_run": run.dry_run,
        "documents_seen": progress.documents_seen,
        "inserted": counts.get("inserted", 0),
        "updated": counts.get("updated", 0),
        "unchanged": counts.get("unchanged", 0),
        "deleted": counts.get("deleted", 0),
        "rejected": progress.rejected,
        "kept_with_notes": progress.kept_with_notes,
        "labels_written": counts.get("labels", 0),
        "taxonomies_deferred": progress.taxonomies_deferred,
        "abandoned_runs_closed": run.abandoned,
        "pages": progress.pages,
        "api_requests": stats.get("requests", 0),
        "retries": stats.get("retries", 0),
        "bytes_received": stats.get("bytes_received", 0),
        "sql_statements": run.db.statements,
        "stage_statements": progress.stage_statements,
        "duration_seconds": round(time.monotonic() - run.timer, 3),
        "started_at": run.started_at.isoformat() + "Z",
        "error": error,
    }
    if run.dry_run:
        summary["would_create"] = run.would_create
    return summary
