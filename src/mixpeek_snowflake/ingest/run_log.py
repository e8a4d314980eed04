"""The run's row in MIXPEEK_INGEST_RUNS: RUNNING at the start, then how it ended, and the summary the CALL returns."""

from __future__ import annotations

import json
import logging
import time
from typing import TYPE_CHECKING, Any

from mixpeek_snowflake.ingest.requests import scrub

if TYPE_CHECKING:
    from mixpeek_snowflake.ingest.engine import Ingestion

log = logging.getLogger("mixpeek_snowflake.ingest")
MAX_ERROR_CHARS = 4000


class RunLog:
    """Writes one run's row: RUNNING, then SUCCEEDED, FAILED, SKIPPED or CANCELLED."""

    def __init__(self, run: Ingestion) -> None:
        self.run = run

    def start(self) -> None:
        """Insert the RUNNING row."""
        run, request = self.run, self.run.request
        params = [run.run_id, request.options.collection, request.options.dry_run, run.now_text()]
        params += [json.dumps(request.given, sort_keys=True), json.dumps(run.definition(), sort_keys=True)]
        params += [run.tables.stage.display, request.bucket_id, *self.run.db.who()]
        run.write(run.tables.insert_run(), params)

    def _finish(self, summary: dict[str, Any]) -> None:
        run, counts = self.run, self.run.counts
        counters = [counts.files_seen, counts.created, counts.replaced, counts.unchanged, counts.deleted]
        counters += [counts.failed, counts.pages, summary["api_requests"], summary["retries"], counts.kept]
        params = [summary["status"], run.now_text(), *counters, summary["duration_seconds"], summary["error"]]
        params += [json.dumps(summary), summary["reason"], json.dumps(counts.batch_ids), run.run_id]
        run.write(run.tables.finish_run(), params)

    def end(self, status: str) -> dict[str, Any]:
        """Record a run that ended without an error; return its summary."""
        summary = run_summary(self.run, status)
        self._finish(summary)
        log.info("ingestion %s %s: %s", self.run.run_id, status.lower(), json.dumps(summary))
        return summary

    def fail(self, exc: BaseException, status: str) -> None:
        """Record why the run failed (or was cancelled), every URL scrubbed from the reason; never raises."""
        message = scrub(f"{type(exc).__name__}: {exc}", self.run.live_urls)[:MAX_ERROR_CHARS]
        self.run.live_urls = []
        log.error("ingestion %s %s: %s", self.run.run_id, status.lower(), message)
        try:
            self._finish(run_summary(self.run, status, message))
        except BaseException:
            log.exception("ingestion %s: could not record its end", self.run.run_id)


def run_summary(run: Ingestion, status: str, error: str | None = None) -> dict[str, Any]:
    """The summary the CALL returns and the run row keeps: counts, requests, batches; never a URL."""
    counts = run.counts
    stats = run.client.stats.snapshot() if run.client else {}
    summary = {
        "run_id": run.run_id,
        "status": status,
        "stage": run.tables.stage.display,
        "bucket_id": run.request.bucket_id,
        "collection": run.request.options.collection,
        "dry_run": run.request.options.dry_run,
        "reason": run.reason,
        "files_seen": counts.files_seen,
        "new": counts.new,
        "changed": counts.changed,
        "retried": counts.retried,
        "unchanged": counts.unchanged,
        "created": counts.created,
        "replaced": counts.replaced,
        "replayed": counts.replayed,
        "failed": counts.failed,
        "deleted": counts.deleted,
        "kept": counts.kept,
        "batch_ids": counts.batch_ids,
        "pages": counts.pages,
        "api_requests": stats.get("requests", 0),
        "retries": stats.get("retries", 0),
        "sql_statements": run.db.statements,
        "duration_seconds": round(time.monotonic() - run.timer, 3),
        "started_at": run.started_at.isoformat() + "Z",
        "abandoned_runs_closed": run.abandoned,
        "error": error,
    }
    if run.request.options.dry_run:
        summary["would_send"] = counts.new + counts.changed + counts.retried
        summary["would_remove"] = counts.would_remove
    return summary
