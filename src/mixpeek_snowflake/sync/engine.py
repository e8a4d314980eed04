"""The sync engine: list a Mixpeek collection, stage it, and apply it to the target in one transaction."""

from __future__ import annotations

import contextlib
import functools
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mixpeek_snowflake.errors import MixpeekSnowflakeError, SyncConflict
from mixpeek_snowflake.mixpeek.changes import FeedPosition, deleted_id_pages
from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.mixpeek.listing import iter_partitioned_pages
from mixpeek_snowflake.snowflake.binds import MAX_BIND_CHARS, RowBatches
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.timestamps import (
    format_timestamp,
    format_watermark,
    new_run_id,
    parse_timestamp,
    utc_now,
)
from mixpeek_snowflake.sync import staging
from mixpeek_snowflake.sync.definition import Definition, resolve
from mixpeek_snowflake.sync.dry_plan import DryPlan
from mixpeek_snowflake.sync.options import SyncRequest
from mixpeek_snowflake.sync.records import Reject, StagedPage, convert_page
from mixpeek_snowflake.sync.requests import MAX_TAXONOMIES_PER_RUN, fetch_taxonomy_names, listing_body
from mixpeek_snowflake.sync.run_log import RunLog, run_summary
from mixpeek_snowflake.sync.state import StoredState, TargetNow, identity_problem, state_problem
from mixpeek_snowflake.sync.statements import CURRENT_CONTEXT, SyncTables
from mixpeek_snowflake.sync.target import SchemaFacts, inspect_schema

log = logging.getLogger("mixpeek_snowflake.sync")


class LeaseHeld(SyncConflict):
    """A live run of the same collection and target holds the lease: this run ends SKIPPED."""


@dataclass
class Progress:
    """What the run has fetched and staged so far."""

    documents_seen: int = 0
    pages: int = 0
    stage_statements: int = 0
    rejected: int = 0
    kept_with_notes: int = 0
    taxonomies_deferred: int = 0
    seq: int = 0
    newest: datetime | None = None
    taxonomy_ids: set[str] = field(default_factory=set)
    counts: dict[str, int] = field(default_factory=dict)


class Sync:
    """One run of sync_mixpeek_collection: prepare() (no request, no write), then run(client)."""

    def __init__(self, db: Database, request: SyncRequest, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.request = request
        self.clock = clock
        self.started_at = clock()
        self.run_id = new_run_id("run", self.started_at)
        self.collection_id = request.collection
        self.mode = request.mode
        self.progress = Progress()
        self.tables = SyncTables.beside(request.target)
        self.facts = SchemaFacts()
        self.stored = StoredState()
        self.definition = Definition()
        self.reason: str | None = None
        self.rebuild_labels = False
        self.would_create: list[str] = []
        self.abandoned = 0
        self.client: MixpeekClient | None = None
        self._batches = RowBatches(MAX_BIND_CHARS)
        self.runs = RunLog(self)
        self.timer = time.monotonic()

    @property
    def dry_run(self) -> bool:
        return self.request.options.dry_run

    def prepare(self) -> str | None:
        """Check the target and read its stored definition; return the namespace the client must use."""
        self.tables = SyncTables.beside(self._qualified(self.request.target))
        self.facts = inspect_schema(self.db, self.tables)
        self.stored = self._read_state()
        self.definition, self.reason = resolve(self.stored.definition, self.request.given, self.tables.target.display)
        return self.definition.namespace

    def run(self, client: MixpeekClient) -> dict[str, Any]:
        """Run the sync; return its summary, or record the failure and raise."""
        self.client = client
        self._prepare_tables()
        try:
            self.runs.start()
            self._resolve_collection()
            self._refuse_second_collection()
            if self.dry_run:
                self._dry_sync()
            else:
                self._hold_lease_and_sync()
        except LeaseHeld as held:
            self.reason = str(held)
            return self.runs.end("SKIPPED")
        except (KeyboardInterrupt, SystemExit) as exc:
            self.runs.fail(exc, "CANCELLED")
            raise
        except BaseException as exc:
            self.runs.fail(exc, "FAILED")
            raise
        return self.runs.end("SUCCEEDED")

    def _qualified(self, target: TableName) -> TableName:
        """An unqualified target in the procedure's own database and schema (an owner's-rights procedure runs in
        them, whatever the caller's USE)."""
        if target.is_qualified:
            return target
        database, schema = self.db.first(CURRENT_CONTEXT) or (None, None)
        if not database or not schema:
            raise MixpeekSnowflakeError(
                "invalid target_table: the procedure has no current database and schema to place an unqualified "
                "name in; qualify it as DATABASE.SCHEMA.TABLE"
            )
        return target.qualified(database, schema)

    def _prepare_tables(self) -> None:
        """Create what is missing (only the run log for a dry run) and add columns older tables lack."""
        self.would_create = self.facts.missing(self.tables)
        existing = set(self.facts.kinds)
        columns = self.facts.columns
        if self.dry_run:
            existing |= {name for name in self.would_create if name != self.tables.runs.name}
            columns = {name: found for name, found in columns.items() if name == self.tables.runs.name}
        statements = self.tables.creation(existing) + self.tables.upgrades(columns)
        for ddl in statements:
            self.db.rows(ddl)
        if statements and not self.dry_run:
            self.facts = inspect_schema(self.db, self.tables)

    def _read_state(self) -> StoredState:
        """The pair's state row as the schema holds it now (none when the state table does not exist yet)."""
        columns = self.facts.columns.get(self.tables.state.name)
        if columns is None:
            return StoredState()
        legacy = not {"DEFINITION", "TARGET_ROWS", "TARGET_CREATED"} <= columns
        return StoredState.of(self.db.first(self.tables.read_state(legacy), self._key()))

    def _client(self) -> MixpeekClient:
        if self.client is None:
            raise MixpeekSnowflakeError("the sync has no Mixpeek client: call run(client)")
        return self.client

    def _resolve_collection(self) -> None:
        collection = self._client().get_collection(self.request.collection)
        self.collection_id = collection.get("collection_id") or self.request.collection
        applications = collection.get("taxonomy_applications") or []
        self.progress.taxonomy_ids.update(
            a["taxonomy_id"] for a in applications if isinstance(a, dict) and isinstance(a.get("taxonomy_id"), str)
        )

    def _refuse_second_collection(self) -> None:
        """One collection per target: a target holding another collection's rows or state is refused."""
        if not self.facts.has(self.tables.target.name) or not self.facts.has(self.tables.state.name):
            return
        params = [self.tables.target.display, self.collection_id, self.collection_id]
        other = self.db.first(self.tables.other_collections(), params)
        if other:
            raise MixpeekSnowflakeError(
                f"invalid target_table: {self.tables.target.display} holds collection {other[0]}; a target holds "
                f"one collection, so sync {self.collection_id} into another target_table (or empty this one: "
                "docs/sync.md, resync from scratch)"
            )

    def _key(self) -> list[Any]:
        return [self.collection_id, self.tables.target.display]

    def _hold_lease_and_sync(self) -> None:
        self._acquire_lease()
        try:
            self.db.commit()
            self.db.rows(self.tables.clear_abandoned_stage(), [*self._key(), self.run_id])
            self._sync()
        finally:
            self._clean_up()

    def _acquire_lease(self) -> None:
        now = self.clock()
        expires = now + timedelta(seconds=self.request.options.lease_seconds)
        self.db.rows(self.tables.ensure_state(), self._key())
        before = self._read_state()
        params = [self.run_id, format_timestamp(expires), *self._key(), format_timestamp(now)]
        taken = self.db.count(self.tables.acquire_lease(), params)
        if taken > 1:
            self._keep_one_state()
        if taken < 1:
            held = self._read_state()
            raise LeaseHeld(
                f"another sync of collection {self.collection_id} into {self.tables.target.display} is running "
                f"(run {held.lease_run_id}, lease until {held.lease_expires_at} UTC); this run changed nothing "
                "and was skipped"
            )
        self.abandoned = self.runs.close_abandoned(before.lease_run_id, now)

    def _keep_one_state(self) -> None:
        """Two first runs at once each inserted a state row and this run leased both: keep the most advanced one."""
        marker = f"{self.run_id}:kept"
        with self.db.transaction():
            self.db.rows(self.tables.copy_best_state(), [marker, *self._key(), self.run_id])
            self.db.rows(self.tables.drop_leased_states(), [*self._key(), self.run_id])
            self.db.rows(self.tables.relabel_lease(), [self.run_id, *self._key(), marker])
        log.warning("run %s: the pair had more than one state row (concurrent first runs); kept one", self.run_id)

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
        try:
            self.db.commit()
        except Exception:
            log.exception("run %s: could not commit its clean-up", self.run_id)

    def _decide_mode(self, state: StoredState) -> None:
        """Run full, saying why, when the state cannot be trusted for an incremental run."""
        problem = self.reason or state_problem(state) or identity_problem(state, self._target_now())
        self.reason = problem
        self.rebuild_labels = problem is not None
        if problem and self.mode == "incremental":
            self.mode = "full"

    def _target_now(self) -> TargetNow:
        target = self.tables.target
        created_by_run = target.name in self.would_create
        rows = None if created_by_run else self.db.count(self.tables.count_target())
        return TargetNow(target.display, created_by_run, rows, self.facts.created.get(target.name))

    def _sync(self) -> None:
        state = self._read_state()
        if state.definition is not None and state.definition != self.stored.definition:
            raise SyncConflict(f"the definition of {self.tables.target.display} changed as this run started")
        self._decide_mode(state)
        listing_started = self.clock()
        position = FeedPosition(state.cursor)
        self._stage_deletions(position)
        for ids in self._changed_id_pages(state.watermark):
            self._stage(self.tables.stage_deletions(), json.dumps(ids), len(ids))
        self._stage_run(state.watermark)
        new_watermark = self._next_watermark(state.watermark, listing_started)
        taxonomies = self._new_taxonomies()
        with self.db.transaction():
            self._plan()
            self._apply(new_watermark, position.cursor)
            self._apply_labels(taxonomies)

    def _stage_run(self, watermark: str | None) -> None:
        """The listing staged by the procedure (each page bound into an INSERT) or by the fetch table function."""
        options = self.request.options
        if options.staging == staging.TABLE_FUNCTION:
            run = staging.FetchRun(self.db, self.tables, self.run_id, self.collection_id, self._client())
            staging.stage_through_function(run, self.progress, self._listing_body(watermark), options)
            return
        staging.budget_procedure_listing(options, self._client())
        self._stage_listing(watermark, self._stage_page)
        self._stage_documents(self._batches.flush())

    def _dry_sync(self) -> None:
        state = self._read_state()
        self._decide_mode(state)
        plan = DryPlan()
        position = FeedPosition(state.cursor)
        for ids in deleted_id_pages(self._client(), self.collection_id, position):
            if self.mode == "incremental":
                plan.deleted.update(ids)
        for ids in self._changed_id_pages(state.watermark):
            plan.deleted.update(ids)
        self._stage_listing(state.watermark, plan.add)
        rows = self._target_keys() if self.facts.has(self.tables.target.name) else []
        self.progress.counts = plan.counts(rows, self.collection_id, self.mode == "full")

    def _target_keys(self) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        while page := self.db.rows(self.tables.target_keys(), [rows[-1][0] if rows else ""]):
            rows += page
        return rows

    def _stage_deletions(self, position: FeedPosition) -> None:
        for ids in deleted_id_pages(self._client(), self.collection_id, position):
            if self.mode == "incremental":
                self._stage(self.tables.stage_deletions(), json.dumps(ids), len(ids))

    def _listing_body(self, watermark: str | None, filtered: bool = True) -> dict[str, Any]:
        options = self.request.options
        since = watermark if self.mode == "incremental" else None
        return listing_body(self.definition, options.page_size, since, options.overlap_seconds, filtered)

    def _changed_id_pages(self, watermark: str | None) -> Iterator[list[str]]:
        """For an incremental run of a filtered target: ids of every document changed since the watermark, the
        filter aside. Staged as deletions, those the filtered listing does not return leave the target."""
        if self.mode != "incremental" or not self.definition.filters:
            return
        body = self._listing_body(watermark, filtered=False) | {"select": ["document_id"]}
        pages = iter_partitioned_pages(self._client(), self.collection_id, body, self.request.options.partitions)
        with contextlib.closing(pages):
            for page in pages:
                ids = [d["document_id"] for d in page.documents if isinstance(d.get("document_id"), str)]
                if ids:
                    yield ids

    def _stage_listing(self, watermark: str | None, take: Callable[[StagedPage], None]) -> None:
        body = self._listing_body(watermark)
        partitions = self.request.options.partitions
        prepare = functools.partial(convert_page, collection_id=self.collection_id)
        self._batches = RowBatches(MAX_BIND_CHARS)
        pages = iter_partitioned_pages(self._client(), self.collection_id, body, partitions, prepare=prepare)
        with contextlib.closing(pages):
            for page in pages:
                staged = page.prepared
                self.progress.pages += 1
                self.progress.documents_seen += len(staged.rows_json) + len(staged.rejects)
                take(staged)
                self.progress.rejected += len(staged.rejects)
                self.progress.kept_with_notes += len(staged.notes)
                self.progress.taxonomy_ids |= staged.taxonomy_ids
                if staged.newest and (self.progress.newest is None or staged.newest > self.progress.newest):
                    self.progress.newest = staged.newest
                self.runs.progress()

    def _stage_page(self, staged: StagedPage) -> None:
        filled = self._batches.add(staged.rows_json)
        if len(staged.rows_json) + len(staged.rejects) >= self.request.options.page_size:
            filled += self._batches.flush()
        self._stage_documents(filled)
        self._stage_rejects([*staged.rejects, *staged.notes])

    def _stage_documents(self, batches: list[tuple[str, int]]) -> None:
        for payload, count in batches:
            self._stage(self.tables.stage_documents(), payload, count)
            self.progress.stage_statements += 1

    def _stage_rejects(self, rejects: list[Reject]) -> None:
        if rejects:
            rows = [{"document_id": r.document_id, "reason": r.reason, "excerpt": r.excerpt} for r in rejects]
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
        return format_timestamp(self.clock()) or ""

    def _plan(self) -> None:
        full = self.mode == "full"
        row = self.db.first(self.tables.plan(), [self._now_text(), self.run_id, self.run_id]) or (0, 0, 0, 0)
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
        if self.progress.rejected or self.progress.kept_with_notes:
            self.db.rows(self.tables.keep_rejects(), [*self._key(), now, self.run_id])
        cutoff = self.clock() - timedelta(days=self.request.options.reject_retention_days)
        self.db.rows(self.tables.expire_rejects(), [*self._key(), format_timestamp(cutoff)])
        created = self.facts.created.get(self.tables.target.name)
        params = [watermark, cursor, self.run_id, now, full, now, self.definition.as_json(), created]
        if self.db.count(self.tables.advance_state(), [*params, *self._key(), self.run_id]) != 1:
            raise SyncConflict(
                f"run {self.run_id} lost its lease on {self.collection_id} → {self.tables.target.display} "
                "(it ran longer than lease_seconds and another run took over); nothing was committed"
            )

    def _new_taxonomies(self, refetch: bool = False) -> list[dict[str, Any]]:
        """Names of taxonomies not cached yet (or all, when refetch), read from Mixpeek before the transaction;
        at most MAX_TAXONOMIES_PER_RUN per run (the rest keep a NULL name until a later run fetches them)."""
        cached = set() if refetch else {row[0] for row in self.db.rows(self.tables.cached_taxonomies())}
        wanted = sorted(self.progress.taxonomy_ids - cached)
        fetched, self.progress.taxonomies_deferred = fetch_taxonomy_names(
            self._client(), wanted, MAX_TAXONOMIES_PER_RUN
        )
        return fetched

    def _cache_taxonomies(self, taxonomies: list[dict[str, Any]]) -> None:
        if taxonomies:
            ids = json.dumps([t["taxonomy_id"] for t in taxonomies])
            self.db.rows(self.tables.forget_taxonomies(), [ids])
            self.db.rows(self.tables.cache_taxonomies(), [self._now_text(), json.dumps(taxonomies)])

    def _apply_labels(self, taxonomies: list[dict[str, Any]]) -> None:
        self._cache_taxonomies(taxonomies)
        target = self.tables.target.display
        if self.rebuild_labels:
            self.db.rows(self.tables.clear_target_labels(), [target, self.collection_id])
            statement, params = self.tables.write_live_labels(), [self.run_id, self._now_text(), target, self.run_id]
        else:
            self.db.rows(self.tables.clear_run_labels(), [target, self.run_id])
            statement = self.tables.write_run_labels()
            params = [self.run_id, self._now_text(), target, self.run_id, self.run_id]
        self.progress.counts["labels"] = self.db.count(statement, params)

    def summary(self, status: str, error: str | None = None) -> dict[str, Any]:
        """The run summary the CALL returns and the run row keeps."""
        return run_summary(self, status, error)
