"""The enrichment engine: push changed source rows into Mixpeek metadata with dotted-key batch updates."""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from itertools import islice
from typing import Any

from mixpeek_snowflake.enrich.keys import Failure, Target, key_hash, resolve
from mixpeek_snowflake.enrich.options import MAX_BATCH, EnrichRequest
from mixpeek_snowflake.enrich.source import SourcePlan, SourceRow, grouped_rows, read_rows
from mixpeek_snowflake.enrich.statements import CURRENT_CONTEXT, EnrichTables
from mixpeek_snowflake.errors import MixpeekAPIError, MixpeekSnowflakeError
from mixpeek_snowflake.mixpeek.client import MixpeekClient, quote_segment
from mixpeek_snowflake.snowflake.binds import MAX_BIND_CHARS, chunk_rows
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.operation_log import OperationLog
from mixpeek_snowflake.snowflake.tables import OPERATION_RUNS
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, new_run_id, utc_now

log = logging.getLogger("mixpeek_snowflake.enrich")
SPLITTABLE = (400, 413, 422)
SAMPLE_FAILURES = 10
PARTIAL = "PARTIAL"


class EnrichmentFailed(MixpeekSnowflakeError):
    """The run stopped; what Mixpeek confirmed before the stop is recorded, so a rerun sends only the rest."""


@dataclass
class Counts:
    """What the run has read, matched, skipped, sent and failed so far."""

    rows_read: int = 0
    documents_matched: int = 0
    changed: int = 0
    sent: int = 0
    unchanged: int = 0
    failed: int = 0
    batches: int = 0
    expired: int = 0
    samples: list[dict[str, Any]] = field(default_factory=list)


class Enrichment:
    """One run of enrich_mixpeek_documents against a session, a Mixpeek client and a planned source."""

    def __init__(
        self,
        db: Database,
        client: MixpeekClient,
        request: EnrichRequest,
        plan: SourcePlan,
        *,
        clock: Callable[[], datetime] = utc_now,
        source_rows: Callable[[], Iterable[SourceRow]] | None = None,
    ) -> None:
        self.db = db
        self.client = client
        self.request = request
        self.options = request.options
        self.plan = plan
        self.clock = clock
        self.started_at = clock()
        self.run_id = new_run_id("enrich", self.started_at)
        self.collection_id = request.collection
        self.counts = Counts()
        self.tables: EnrichTables | None = None
        self._has_state = False
        self._timer = time.monotonic()
        self.source_rows = source_rows

    def run(self) -> dict[str, Any]:
        """Push every changed row and log the run (not a dry run) in MIXPEEK_OPERATION_RUNS; return the summary,
        PARTIAL when rows failed, or raise EnrichmentFailed saying what was kept (also for PARTIAL with strict)."""
        self.tables = self._tables()
        self._has_state = self._prepare_tables()
        if self.options.dry_run:
            return self._run()
        runs = OperationLog(self.db, self.tables.state.sibling(OPERATION_RUNS.name), "enrich", self.run_id)
        runs.start(self.request.collection, self.request.source.display, False)
        try:
            summary = self._run()
        except BaseException as exc:
            runs.fail(self.collection_id, exc)
            raise
        runs.finish(summary["status"], self.collection_id, summary, summary["sent"], summary["failed"])
        if summary["status"] == PARTIAL and self.options.strict:
            raise EnrichmentFailed(
                f"enrichment run {self.run_id} ended PARTIAL: {summary['failed']} row(s) or document(s) failed "
                f"(see {self._placed.failures.display}); strict is set, so the run fails. The {summary['sent']} "
                "update(s) Mixpeek confirmed are kept"
            )
        return summary

    def _run(self) -> dict[str, Any]:
        collection = self.client.get_collection(self.request.collection)
        self.collection_id = collection.get("collection_id") or self.request.collection
        try:
            for batch in self._batches():
                self._process(batch)
        except Exception as exc:
            raise EnrichmentFailed(
                f"enrichment run {self.run_id} stopped after {self.counts.batches} complete batch(es): {exc}. The "
                f"{self.counts.sent} update(s) Mixpeek confirmed before the stop are kept; a rerun sends only the rest"
            ) from exc
        self._expire_failures()
        summary = self.summary()
        log.info("enrichment %s finished: %s", self.run_id, json.dumps(summary))
        return summary

    def _expire_failures(self) -> None:
        """Delete failure rows older than the retention (default 30 days); a dry run deletes nothing."""
        if self.options.dry_run or self.tables is None:
            return
        cutoff = self.clock() - timedelta(days=self.options.failure_retention_days)
        self.counts.expired = self.db.count(self.tables.expire_failures(), [format_timestamp(cutoff)])
        self.db.commit()

    @property
    def _placed(self) -> EnrichTables:
        if self.tables is None:
            raise MixpeekSnowflakeError("the enrichment tables are used before they were placed")
        return self.tables

    def _tables(self) -> EnrichTables:
        if self.options.state_schema and len(self.options.state_schema) == 2:
            return EnrichTables.in_schema(*self.options.state_schema)
        database, schema = self.db.first(CURRENT_CONTEXT) or (None, None)
        if self.options.state_schema:
            schema = self.options.state_schema[0]
        if not database or not schema:
            raise MixpeekSnowflakeError(
                "the procedure has no current database and schema for MIXPEEK_ENRICH_STATE; "
                'pass {"state_schema": "DATABASE.SCHEMA"}'
            )
        return EnrichTables.in_schema(database, schema)

    def _rows(self) -> Iterator[tuple[Any, ...]]:
        self.db.statements += 1
        for row in read_rows(self.db.session, self.plan.select_sql, self.request.source.display):
            self.counts.rows_read += 1
            yield row

    def _batches(self) -> Iterator[list[SourceRow]]:
        rows = iter(self.source_rows()) if self.source_rows else grouped_rows(self._rows(), self.plan)
        while batch := list(islice(rows, self.options.batch_size)):
            yield batch

    def _process(self, batch: list[SourceRow]) -> None:
        failures = [Failure(r.key_text, None, r.problem or "", row=r.row) for r in batch if r.problem]
        ready = [r for r in batch if not r.problem]
        targets, unmatched = resolve(self.client, self.collection_id, self.options.key_field, ready)
        failures += unmatched
        self.counts.documents_matched += len(targets)
        changed = self._changed(targets)
        self.counts.changed += len(changed)
        self.counts.unchanged += len(targets) - len(changed)
        if not self.options.dry_run:
            confirmed, refused = self._send(changed)
            failures += refused
            self._record(confirmed, failures)
        self._count_failures(failures)
        self.counts.batches += 1

    def _changed(self, targets: list[Target]) -> list[Target]:
        if self.options.force or not targets or not self._has_state:
            return targets
        ids = json.dumps([t.document_id for t in targets])
        params = [self.collection_id, self.plan.mapping_id, ids]
        stored: dict[str, str] = dict(self.db.rows(self._placed.stored_hashes(), params))
        return [t for t in targets if stored.get(t.document_id) != t.values_hash]

    def _prepare_tables(self) -> bool:
        """Create the tables, or in a dry run (which writes nothing) only look for the state table."""
        if not self.options.dry_run:
            for ddl in self._placed.creation():
                self.db.rows(ddl)
            return True
        try:
            self.db.rows(self._placed.probe_state())
        except Exception:
            return False
        return True

    def _send(self, targets: list[Target]) -> tuple[list[Target], list[Failure]]:
        confirmed: list[Target] = []
        failures: list[Failure] = []
        for start in range(0, len(targets), MAX_BATCH):
            ok, refused = self._send_chunk(targets[start : start + MAX_BATCH])
            confirmed += ok
            failures += refused
        self.counts.sent += len(confirmed)
        return confirmed, failures

    def _send_chunk(self, chunk: list[Target]) -> tuple[list[Target], list[Failure]]:
        path = f"/v1/collections/{quote_segment(self.collection_id)}/documents/batch"
        body = {"updates": [{"document_id": t.document_id, "update_data": t.update_data} for t in chunk]}
        try:
            response = self.client.request("POST", path, json=body)
        except MixpeekAPIError as exc:
            if exc.status not in SPLITTABLE:
                raise
            return self._split(chunk, exc)
        return _outcome(chunk, response if isinstance(response, dict) else {})

    def _split(self, chunk: list[Target], exc: MixpeekAPIError) -> tuple[list[Target], list[Failure]]:
        if len(chunk) == 1:
            target = chunk[0]
            reason = f"refused by Mixpeek ({exc.status}): {exc.message}"
            return [], [Failure(target.key_text, target.document_id, reason, target.update_data, target.row)]
        half = len(chunk) // 2
        first, first_failures = self._send_chunk(chunk[:half])
        second, second_failures = self._send_chunk(chunk[half:])
        return first + second, first_failures + second_failures

    def _record(self, confirmed: list[Target], failures: list[Failure]) -> None:
        now = format_timestamp(self.clock())
        source = self.request.source.display
        state_rows = [
            json.dumps({"document_id": t.document_id, "key": key_hash(t.key_text), "hash": t.values_hash})
            for t in confirmed
        ]
        for chunk, _count in chunk_rows(state_rows, MAX_BIND_CHARS):
            params = [self.collection_id, self.plan.mapping_id, source, self.run_id, now, chunk]
            self.db.rows(self._placed.merge_state(), params)
        failure_rows = [json.dumps(f.as_row(), default=str) for f in failures]
        for chunk, _count in chunk_rows(failure_rows, MAX_BIND_CHARS):
            self.db.rows(self._placed.insert_failures(), [self.run_id, self.collection_id, source, now, chunk])
        self.db.commit()

    def _count_failures(self, failures: Iterable[Failure]) -> None:
        for failure in failures:
            self.counts.failed += 1
            if len(self.counts.samples) < SAMPLE_FAILURES:
                self.counts.samples.append(failure.sample())

    def summary(self) -> dict[str, Any]:
        """The run summary the CALL returns."""
        stats = self.client.stats.snapshot()
        counts = self.counts
        return {
            "run_id": self.run_id,
            "status": PARTIAL if counts.failed else "SUCCEEDED",
            "collection_id": self.collection_id,
            "source": self.request.source.display,
            "key_column": self.plan.key.name,
            "key_field": self.options.key_field,
            "columns": self.plan.columns,
            "dry_run": self.options.dry_run,
            "rows_read": counts.rows_read,
            "documents_matched": counts.documents_matched,
            "changed": counts.changed,
            "sent": counts.sent,
            "unchanged": counts.unchanged,
            "failed": counts.failed,
            "failure_samples": counts.samples,
            "failures_expired": counts.expired,
            "batches": counts.batches,
            "api_requests": stats.get("requests", 0),
            "retries": stats.get("retries", 0),
            "sql_statements": self.db.statements,
            "duration_seconds": round(time.monotonic() - self._timer, 3),
            "started_at": self.started_at.isoformat() + "Z",
            "state_table": self.tables.state.display if self.tables else None,
            "failures_table": self.tables.failures.display if self.tables else None,
        }


def _outcome(chunk: list[Target], response: dict[str, Any]) -> tuple[list[Target], list[Failure]]:
    results = {r.get("document_id"): r for r in response.get("results") or [] if isinstance(r, dict)}
    if not results and not response.get("failed_count") and response.get("updated_count") == len(chunk):
        return list(chunk), []
    confirmed: list[Target] = []
    failures: list[Failure] = []
    for target in chunk:
        result = results.get(target.document_id)
        if result is not None and result.get("success") is True:
            confirmed.append(target)
            continue
        reason = "Mixpeek returned no result for this document; it is sent again on the next run"
        if result is not None:
            reason = f"refused by Mixpeek: {result.get('error') or 'no reason given'}"
        failures.append(Failure(target.key_text, target.document_id, reason, target.update_data, target.row))
    return confirmed, failures
