"""The sync engine: list a Mixpeek collection, stage it, and apply it to the target in one transaction."""

from __future__ import annotations

import functools
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mixpeek_snowflake.errors import MixpeekSnowflakeError, SyncConflict, truncate
from mixpeek_snowflake.mixpeek.changes import FeedPosition, deleted_id_pages
from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.mixpeek.listing import iter_partitioned_pages
from mixpeek_snowflake.snowflake.binds import MAX_BIND_CHARS, RowBatches
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, format_watermark, parse_timestamp, utc_now
from mixpeek_snowflake.sync.options import SyncRequest
from mixpeek_snowflake.sync.records import Reject, convert_page
from mixpeek_snowflake.sync.statements import CURRENT_CONTEXT, SyncTables

log = logging.getLogger("mixpeek_snowflake.sync")
MAX_ERROR_CHARS = 4000


def new_run_id(now: datetime) -> str:
    """A sortable, unique run id such as run_20260101T120000Z_1a2b3c4d."""
    return f"run_{now:%Y%m%dT%H%M%SZ}_{uuid.uuid4().hex[:8]}"


@dataclass
class Progress:
    """What the run has fetched and staged so far."""

    documents_seen: int = 0
    pages: int = 0
    stage_statements: int = 0
    rejected: int = 0
    seq: int = 0
    newest: datetime | None = None
    taxonomy_ids: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)


class Sync:
    """One run of sync_mixpeek_collection against a session and a Mixpeek client."""

    def __init__(
        self,
        db: Database,
        client: MixpeekClient,
        request: SyncRequest,
        *,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.db = db
        self.client = client
        self.request = request
        self.clock = clock
        self.started_at = clock()
        self.run_id = new_run_id(self.started_at)
        self.collection_id = request.collection
        self.mode = request.mode
        self.progress = Progress()
        self.tables: SyncTables | None = None
        self._timer = time.monotonic()

    def run(self) -> dict[str, Any]:
        """Run the sync; return its summary, or record the failure and raise."""
        self.tables = SyncTables.beside(self._qualified(self.request.target))
        for ddl in self.tables.creation():
            self.db.rows(ddl)
        self._record_start()
        try:
            self._resolve_collection()
            self._hold_lease_and_sync()
        except BaseException as exc:
            self._record_failure(exc)
            raise
        return self._record_success()

    def _qualified(self, target: TableName) -> TableName:
        if target.is_qualified:
            return target
        database, schema = self.db.first(CURRENT_CONTEXT) or (None, None)
        if not database or not schema:
            raise MixpeekSnowflakeError(
                "invalid target_table: the session has no current database and schema; "
                "qualify it as DATABASE.SCHEMA.TABLE or run USE SCHEMA first"
            )
        return target.qualified(database, schema)

    def _resolve_collection(self) -> None:
        collection = self.client.get_collection(self.request.collection)
        self.collection_id = collection.get("collection_id") or self.request.collection
        applications = collection.get("taxonomy_applications") or []
        self.progress.taxonomy_ids.update(
            a["taxonomy_id"] for a in applications if isinstance(a, dict) and isinstance(a.get("taxonomy_id"), str)
        )

    def _key(self) -> list[Any]:
        return [self.collection_id, self.tables.target.display]

    def _hold_lease_and_sync(self) -> None:
        self._acquire_lease()
        try:
            self.db.rows(self.tables.clear_abandoned_stage(), [*self._key(), self.run_id])
            self._sync()
        finally:
            self._clean_up()

    def _acquire_lease(self) -> None:
        now = self.clock()
        expires = now + timedelta(seconds=self.request.options.lease_seconds)
        self.db.rows(self.tables.ensure_state(), self._key())
        params = [self.run_id, format_timestamp(expires), *self._key(), format_timestamp(now)]
        if self.db.count(self.tables.acquire_lease(), params) >= 1:
            return
        row = self.db.first(self.tables.read_state(), self._key()) or (None, None, None, None)
        raise SyncConflict(
            f"another sync of collection {self.collection_id} into {self.tables.target.display} is running "
            f"(run {row[2]}, lease until {row[3]} UTC); this run stopped before changing anything. If that run "
            f"crashed, its lease lapses at that time, or clear LEASE_RUN_ID in {self.tables.state.display}"
        )

    def _clean_up(self) -> None:
        steps = (
            ("stage rows", self.tables.clear_stage(), [self.run_id]),
            ("lease", self.tables.release_lease(), [*self._key(), self.run_id]),
        )
        for what, sql, params in steps:
            try:
                self.db.rows(sql, params)
            except Exception:
                log.exception("run %s: could not clear its %s", self.run_id, what)

    def _sync(self) -> None:
        watermark, cursor, *_ = self.db.first(self.tables.read_state(), self._key()) or (None, None)
        if self.mode == "incremental" and parse_timestamp(watermark) is None:
            self.mode = "full"
        listing_started = self.clock()
        position = FeedPosition(cursor)
        self._stage_deletions(position)
        self._stage_listing(watermark)
        new_watermark = self._next_watermark(watermark, listing_started)
        if self.request.options.dry_run:
            self._plan()
            return
        taxonomies = self._new_taxonomies()
        with self.db.transaction():
            self._plan()
            self._apply(new_watermark, position.cursor)
            self._apply_labels(taxonomies)

    def _stage_deletions(self, position: FeedPosition) -> None:
        for ids in deleted_id_pages(self.client, self.collection_id, position):
            if self.mode == "incremental":
                self._stage(self.tables.stage_deletions(), json.dumps(ids), len(ids))

    def _listing_body(self, watermark: str | None) -> dict[str, Any]:
        options = self.request.options
        body: dict[str, Any] = {"limit": options.page_size}
        conditions = [options.filters] if options.filters else []
        if self.mode == "incremental":
            since = parse_timestamp(watermark) - timedelta(seconds=options.overlap_seconds)
            conditions.append({"field": "_internal.updated_at", "operator": "gte", "value": format_watermark(since)})
        if conditions:
            body["filters"] = conditions[0] if len(conditions) == 1 else {"AND": conditions}
        if options.include_vectors:
            body["return_vectors"] = True
        return body

    def _stage_listing(self, watermark: str | None) -> None:
        body = self._listing_body(watermark)
        partitions = self.request.options.partitions
        prepare = functools.partial(convert_page, collection_id=self.collection_id)
        pages = iter_partitioned_pages(self.client, self.collection_id, body, partitions, prepare=prepare)
        batches = RowBatches(MAX_BIND_CHARS)
        for page in pages:
            staged = page.prepared
            seen = len(staged.rows_json) + len(staged.rejects)
            self.progress.pages += 1
            self.progress.documents_seen += seen
            filled = batches.add(staged.rows_json)
            if seen >= self.request.options.page_size:
                filled += batches.flush()
            self._stage_documents(filled)
            self._stage_rejects(staged.rejects)
            self.progress.taxonomy_ids |= staged.taxonomy_ids
            if staged.newest and (self.progress.newest is None or staged.newest > self.progress.newest):
                self.progress.newest = staged.newest
        self._stage_documents(batches.flush())

    def _stage_documents(self, batches: list[tuple[str, int]]) -> None:
        for payload, count in batches:
            self._stage(self.tables.stage_documents(), payload, count)
            self.progress.stage_statements += 1

    def _stage_rejects(self, rejects: list[Reject]) -> None:
        if not rejects:
            return
        rows = [{"document_id": r.document_id, "reason": r.reason, "excerpt": r.excerpt} for r in rejects]
        self.progress.rejected += len(rows)
        self._stage(self.tables.stage_rejects(), json.dumps(rows), len(rows))

    def _stage(self, statement: str, payload: str, count: int) -> None:
        self.db.rows(statement, [self.run_id, self.progress.seq, payload])
        self.progress.seq += count

    def _next_watermark(self, watermark: str | None, listing_started: datetime) -> str | None:
        newest = self.progress.newest
        if newest is None:
            return watermark
        candidate = min(newest, listing_started)
        previous = parse_timestamp(watermark)
        return format_watermark(max(candidate, previous) if previous else candidate)

    def _now_text(self) -> str:
        return format_timestamp(self.clock())

    def _plan(self) -> None:
        full = self.mode == "full"
        row = self.db.first(self.tables.plan(), [self._now_text(), self.run_id, self.run_id])
        distinct, inserts, updates, _ = (int(v or 0) for v in row)
        gone = self.db.count(self.tables.count_deletions(full), self._gone_params(full))
        self.progress.counts = {
            "inserted": inserts,
            "updated": updates,
            "unchanged": distinct - inserts - updates,
            "deleted": gone,
        }

    def _gone_params(self, full: bool) -> list[Any]:
        return [self.collection_id, self.run_id] if full else [self.collection_id, self.run_id, self.run_id]

    def _apply(self, watermark: str | None, cursor: str | None) -> None:
        full = self.mode == "full"
        now = self._now_text()
        self.db.rows(self.tables.merge(), [now, self.run_id, self.run_id])
        self.db.rows(self.tables.mark_deleted(full), [now, now, self.run_id, *self._gone_params(full)])
        if self.progress.rejected:
            self.db.rows(self.tables.keep_rejects(), [*self._key(), now, self.run_id])
        params = [watermark, cursor, self.run_id, now, full, now, *self._key(), self.run_id]
        if self.db.count(self.tables.advance_state(), params) != 1:
            raise SyncConflict(
                f"run {self.run_id} lost its lease on {self.collection_id} → {self.tables.target.display} "
                "(it ran longer than lease_seconds and another run took over); nothing was committed"
            )

    def _new_taxonomies(self, refetch: bool = False) -> list[dict[str, Any]]:
        """Names of taxonomies not cached yet (or all, when refetch), read from Mixpeek before the transaction."""
        cached = set() if refetch else {row[0] for row in self.db.rows(self.tables.cached_taxonomies())}
        fetched = []
        for taxonomy_id in sorted(self.progress.taxonomy_ids - cached):
            taxonomy = self.client.get_taxonomy(taxonomy_id) or {}
            config = taxonomy.get("config") if isinstance(taxonomy.get("config"), dict) else {}
            name, kind = taxonomy.get("taxonomy_name"), config.get("taxonomy_type")
            fetched.append({"taxonomy_id": taxonomy_id, "taxonomy_name": name, "taxonomy_type": kind})
        return fetched

    def _cache_taxonomies(self, taxonomies: list[dict[str, Any]]) -> None:
        if taxonomies:
            ids = json.dumps([t["taxonomy_id"] for t in taxonomies])
            self.db.rows(self.tables.forget_taxonomies(), [ids])
            self.db.rows(self.tables.cache_taxonomies(), [self._now_text(), json.dumps(taxonomies)])

    def _apply_labels(self, taxonomies: list[dict[str, Any]]) -> None:
        self._cache_taxonomies(taxonomies)
        self.db.rows(self.tables.clear_run_labels(), [self.run_id])
        params = [self.run_id, self._now_text(), self.run_id, self.run_id]
        self.progress.counts["labels"] = self.db.count(self.tables.write_run_labels(), params)

    def summary(self, status: str, error: str | None = None) -> dict[str, Any]:
        """The run summary the CALL returns and the run row keeps."""
        counts = self.progress.counts
        stats = self.client.stats.snapshot()
        return {
            "run_id": self.run_id,
            "status": status,
            "mode": self.mode,
            "requested_mode": self.request.mode,
            "collection_id": self.collection_id,
            "target_table": self.tables.target.display if self.tables else self.request.target.display,
            "dry_run": self.request.options.dry_run,
            "documents_seen": self.progress.documents_seen,
            "inserted": counts.get("inserted", 0),
            "updated": counts.get("updated", 0),
            "unchanged": counts.get("unchanged", 0),
            "deleted": counts.get("deleted", 0),
            "rejected": self.progress.rejected,
            "labels_written": counts.get("labels", 0),
            "pages": self.progress.pages,
            "api_requests": stats.get("requests", 0),
            "retries": stats.get("retries", 0),
            "bytes_received": stats.get("bytes_received", 0),
            "sql_statements": self.db.statements,
            "stage_statements": self.progress.stage_statements,
            "duration_seconds": round(time.monotonic() - self._timer, 3),
            "started_at": self.started_at.isoformat() + "Z",
            "error": error,
        }

    def _record_start(self) -> None:
        params = [self.run_id, self.request.collection, self.tables.target.display, self.request.mode]
        self.db.rows(self.tables.insert_run(), [*params, self.request.options.dry_run, self._now_text()])

    def _finish(self, summary: dict[str, Any]) -> None:
        counters = [summary[k] for k in ("documents_seen", "inserted", "updated", "unchanged", "deleted")]
        counters += [summary[k] for k in ("rejected", "pages", "api_requests", "retries")]
        params = [summary["status"], self._now_text(), self.collection_id, self.mode, *counters]
        params += [summary["duration_seconds"], summary["error"], json.dumps(summary), self.run_id]
        self.db.rows(self.tables.finish_run(), params)

    def _record_success(self) -> dict[str, Any]:
        summary = self.summary("SUCCEEDED")
        self._finish(summary)
        log.info("run %s succeeded: %s", self.run_id, json.dumps(summary))
        return summary

    def _record_failure(self, exc: BaseException) -> None:
        message = truncate(f"{type(exc).__name__}: {exc}", MAX_ERROR_CHARS)
        log.error("run %s failed: %s", self.run_id, message)
        try:
            self._finish(self.summary("FAILED", message))
        except Exception:
            log.exception("run %s: could not record its failure", self.run_id)
