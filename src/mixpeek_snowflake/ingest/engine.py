"""The ingestion engine: read a stage's directory, send new and changed files to a bucket, remember each file."""

from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError, SyncConflict, truncate
from mixpeek_snowflake.ingest import files as state
from mixpeek_snowflake.ingest import requests as api
from mixpeek_snowflake.ingest.files import Plan, StageFile, StoredFile
from mixpeek_snowflake.ingest.options import IngestRequest
from mixpeek_snowflake.ingest.run_log import RunLog
from mixpeek_snowflake.ingest.statements import CURRENT_CONTEXT, PAGE_ROWS, IngestTables
from mixpeek_snowflake.mixpeek.client import MixpeekClient
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, new_run_id, utc_now

log = logging.getLogger("mixpeek_snowflake.ingest")
DIRECTORY_HINT = (
    "the stage must exist, have a directory table (CREATE STAGE … DIRECTORY = (ENABLE = TRUE), then ALTER STAGE … "
    "REFRESH), and the procedure's owner role needs READ on it (USAGE for an external stage); docs/ingest.md"
)


class LeaseHeld(SyncConflict):
    """A live run of the same stage and bucket holds the lease: this run ends SKIPPED."""


@dataclass
class Counts:
    """What the run found and did."""

    files_seen: int = 0
    pages: int = 0
    new: int = 0
    changed: int = 0
    retried: int = 0
    unchanged: int = 0
    created: int = 0
    replaced: int = 0
    replayed: int = 0
    failed: int = 0
    deleted: int = 0
    kept: int = 0
    would_remove: int = 0
    batch_ids: list[str] = field(default_factory=list)


def _chunks(items: list[Any], size: int) -> Iterator[list[Any]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


class Ingestion:
    """One run of ingest_stage_files: prepare() (no request, no write), then run(client)."""

    def __init__(self, db: Database, request: IngestRequest, *, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.request = request
        self.clock = clock
        self.started_at = clock()
        self.run_id = new_run_id("ing", self.started_at)
        self.tables = IngestTables.of(request.stage, "", "")
        self.counts = Counts()
        self.client: MixpeekClient | None = None
        self.reason: str | None = None
        self.abandoned = 0
        self.live_urls: list[str] = []
        self._in_block = False
        self._leased = False
        self.runs = RunLog(self)
        self.timer = time.monotonic()
        self._pattern = re.compile(request.options.pattern) if request.options.pattern else None

    def prepare(self) -> None:
        """Resolve the tables in the procedure's own database and schema, and the stage's missing parts."""
        database, schema = self.db.first(CURRENT_CONTEXT) or (None, None)
        if not database or not schema:
            raise MixpeekSnowflakeError("the session has no current database and schema: run USE SCHEMA first")
        self.tables = IngestTables.of(self.request.stage, str(database), str(schema))

    def run(self, client: MixpeekClient) -> dict[str, Any]:
        """Run the ingestion; return its summary, or record the failure and raise."""
        self.client = client
        existing = self.db.rows(self.tables.existing_tables(), [self.tables.files.schema])
        for ddl in self.tables.creation({str(row[0]) for row in existing}):
            self.db.rows(ddl)
        self.runs.start()
        try:
            api.check_bucket(client, self.request.bucket_id)
            if self.request.options.dry_run:
                self._plan()
            else:
                self._hold_lease_and_ingest()
        except LeaseHeld as held:
            self.reason = str(held)
            return self._end("SKIPPED")
        except (KeyboardInterrupt, SystemExit) as exc:
            self.runs.fail(exc, "CANCELLED")
            raise
        except BaseException as exc:
            self.runs.fail(exc, "FAILED")
            raise
        return self._end("PARTIAL" if self.counts.failed else "SUCCEEDED")

    def _end(self, status: str) -> dict[str, Any]:
        """Release the lease (when held) and record the run's end in one transaction."""
        with self.written():
            if self._leased:
                self._release_lease(True)
            return self.runs.end(status)

    def definition(self) -> dict[str, Any]:
        """What the run ingests, as the run row keeps it."""
        options = self.request.options
        return {
            "stage": self.tables.stage.display,
            "bucket_id": self.request.bucket_id,
            "pattern": options.pattern,
            "collection": options.collection,
            "on_removed": options.on_removed,
        }

    def now_text(self) -> str:
        return format_timestamp(self.clock()) or ""

    def write(self, statement: str, params: list[Any]) -> int:
        """One DML statement in a transaction of its own (or of the block, in written()), committed whatever the
        caller's AUTOCOMMIT."""
        if self._in_block:
            return self.db.count(statement, params)
        with self.db.transaction():
            return self.db.count(statement, params)

    @contextmanager
    def written(self) -> Iterator[None]:
        """One transaction for the writes of the block."""
        with self.db.transaction():
            self._in_block = True
            try:
                yield
            finally:
                self._in_block = False

    def _key(self) -> list[Any]:
        return [self.tables.stage.display, self.request.bucket_id]

    def _client(self) -> MixpeekClient:
        if self.client is None:
            raise MixpeekSnowflakeError("the ingestion has no Mixpeek client: call run(client)")
        return self.client

    def _hold_lease_and_ingest(self) -> None:
        self._acquire_lease()
        self._leased = True
        try:
            self._ingest(self._plan())
        except BaseException:
            self._leased = False
            self._release_lease(False)
            raise

    def _acquire_lease(self) -> None:
        with self.written():
            self._take_lease()

    def _take_lease(self) -> None:
        now = self.clock()
        expires = now + timedelta(seconds=self.request.options.lease_seconds)
        self.write(self.tables.ensure_state(), self._key())
        before = self.db.first(self.tables.read_lease(), self._key()) or (None, None)
        params = [self.run_id, format_timestamp(expires), *self._key(), format_timestamp(now)]
        if self.write(self.tables.acquire_lease(), params) < 1:
            raise LeaseHeld(
                f"another ingestion of {self.tables.stage.display} into bucket {self.request.bucket_id} is running "
                f"(run {before[0]}, lease until {before[1]} UTC); this run sent nothing and was skipped"
            )
        if before[0]:
            error = f"its process ended before the run finished; closed by run {self.run_id}"
            self.abandoned = self.write(
                self.tables.abandon_runs(), [self.now_text(), error, *self._key(), self.run_id, before[0]]
            )

    def _release_lease(self, succeeded: bool) -> None:
        params = [self.run_id, self.now_text()] if succeeded else []
        try:
            self.write(self.tables.release_lease(succeeded), [*params, *self._key(), self.run_id])
        except Exception:
            log.exception("ingestion %s: could not release its lease", self.run_id)

    def _plan(self) -> Plan:
        matching, present = self._read_directory()
        stored = self._read_stored()
        plan = state.plan(matching, stored, present)
        counts = self.counts
        counts.files_seen, counts.new, counts.unchanged = len(matching), len(plan.new), len(plan.unchanged)
        counts.changed, counts.retried, counts.would_remove = len(plan.changed), len(plan.retried), len(plan.removed)
        return plan

    def _read_directory(self) -> tuple[list[StageFile], set[str]]:
        """Every file of the stage's directory table, page by page: those the pattern matches, and every path."""
        matching: list[StageFile] = []
        present: set[str] = set()
        after = ""
        while True:
            rows = self._directory_page(after)
            self.counts.pages += 1
            for row in rows:
                found = state.stage_file(row)
                if found is None:
                    continue
                present.add(found.path)
                if self._pattern is None or self._pattern.fullmatch(found.path):
                    matching.append(found)
            if len(rows) < PAGE_ROWS:
                return matching, present
            after = str(rows[-1][0])

    def _directory_page(self, after: str) -> list[tuple[Any, ...]]:
        try:
            return self.db.rows(self.tables.directory_page(), [after])
        except Exception as exc:
            first = truncate(" ".join(str(exc).split()) or type(exc).__name__, 300)
            raise InvalidArgument(
                "stage", f"DIRECTORY(@{self.tables.stage.display}) could not be read ({first}); {DIRECTORY_HINT}"
            ) from None

    def _read_stored(self) -> dict[str, StoredFile]:
        stored: dict[str, StoredFile] = {}
        after = ""
        while True:
            rows = self.db.rows(self.tables.stored_page(), [*self._key(), after])
            for row in rows:
                found = state.stored_file(row)
                stored[found.path] = found
            if len(rows) < PAGE_ROWS:
                return stored
            after = str(rows[-1][0])

    def _ingest(self, plan: Plan) -> None:
        for paths in _chunks([f.path for f in plan.unchanged], PAGE_ROWS):
            self.write(self.tables.mark_seen(), [self.now_text(), self.run_id, *self._key(), json.dumps(paths)])
        for chunk in _chunks(plan.to_send(), self.request.options.batch_size):
            self._send(chunk)
        for removed in _chunks(plan.removed, self.request.options.batch_size):
            self._remove(removed)

    def _send(self, chunk: list[tuple[StageFile, StoredFile | None]]) -> None:
        """One request of at most batch_size objects; the URLs live only until Mixpeek has answered."""
        rows: dict[str, dict[str, Any]] = {}
        outgoing: list[api.Outgoing] = []
        for file, error in self._prepared(chunk, outgoing):
            self.counts.failed += 1
            rows[file.path] = self._row(file, None, state.FAILED, error, sent=False)
        stage = self.tables.stage.display
        outcomes = api.create_objects(self._client(), self.request.bucket_id, stage, outgoing)
        outgoing.clear()
        self.live_urls = []
        by_path = {file.path: (file, stored) for file, stored in chunk}
        batch_id, batch_error = self._submit([o.object_id for o in outcomes if o.object_id])
        for outcome in outcomes:
            file, stored = by_path[outcome.path]
            rows[file.path] = self._outcome_row(file, stored, outcome, batch_id, batch_error)
        self._record([rows[file.path] for file, _ in chunk])

    def _prepared(
        self, chunk: list[tuple[StageFile, StoredFile | None]], outgoing: list[api.Outgoing]
    ) -> list[tuple[StageFile, str]]:
        """Fill outgoing with the files that can be sent, their URLs fetched in one statement; return the others
        with the reason."""
        refused: list[tuple[StageFile, str]] = []
        typed: list[tuple[StageFile, str]] = []
        for file, _ in chunk:
            kind = state.blob_type(file.path, self.request.options.blob_type)
            if kind is None:
                refused.append((file, "the file's extension names no blob type: set the blob_type option"))
            else:
                typed.append((file, kind))
        urls = self._presigned([file.path for file, _ in typed])
        stage = self.tables.stage.display
        for file, kind in typed:
            url = urls.get(file.path)
            if not url:
                refused.append((file, "GET_PRESIGNED_URL returned no URL for the file"))
            elif len(url) > api.MAX_URL_CHARS:
                refused.append(
                    (file, f"its presigned URL is longer than the {api.MAX_URL_CHARS} characters Mixpeek takes")
                )
            else:
                key = state.idempotency_key(stage, file.path, file.checksum)
                prop = self.request.options.blob_property or kind
                outgoing.append(api.Outgoing(file.path, file.checksum, prop, kind, key, url))
        return refused

    def _presigned(self, paths: list[str]) -> dict[str, str]:
        if not paths:
            return {}
        statement = self.tables.presigned_urls(self.request.options.expiry_seconds)
        rows = self.db.rows(statement, [json.dumps(paths)])
        urls = {str(path): str(url) for path, url in rows if isinstance(url, str)}
        self.live_urls = list(urls.values())
        return urls

    def _submit(self, object_ids: list[str]) -> tuple[str | None, str | None]:
        collection = self.request.options.collection
        if not collection or not object_ids:
            return None, None
        try:
            batch_id = api.submit_batch(self._client(), self.request.bucket_id, object_ids, collection, self.run_id)
        except MixpeekSnowflakeError as exc:
            return None, api.scrub(f"the object was created but its batch was not submitted: {exc}", [])
        self.counts.batch_ids.append(batch_id)
        return batch_id, None

    def _outcome_row(
        self,
        file: StageFile,
        stored: StoredFile | None,
        outcome: api.Outcome,
        batch_id: str | None,
        batch_error: str | None,
    ) -> dict[str, Any]:
        if outcome.object_id is None:
            self.counts.failed += 1
            object_id = stored.object_id if stored else None
            return self._row(file, object_id, state.FAILED, outcome.error, sent=False)
        self.counts.replayed += int(outcome.replayed)
        previous = stored.object_id if stored else None
        error = batch_error
        if previous and previous != outcome.object_id:
            error = api.delete_object(self._client(), self.request.bucket_id, previous) or error
            self.counts.replaced += 1
        else:
            self.counts.created += 1
        if batch_error:
            self.counts.failed += 1
            return self._row(file, outcome.object_id, state.FAILED, error, sent=True)
        row = self._row(file, outcome.object_id, state.SENT, error, sent=True)
        return row | {"batch_id": batch_id, "collection": self.request.options.collection if batch_id else None}

    def _row(
        self, file: StageFile, object_id: str | None, status: str, error: str | None, *, sent: bool
    ) -> dict[str, Any]:
        stage = self.tables.stage.display
        return {
            "path": file.path,
            "checksum": file.checksum,
            "size": file.size,
            "modified": format_timestamp(file.last_modified),
            "object_id": object_id,
            "key": state.idempotency_key(stage, file.path, file.checksum),
            "batch_id": None,
            "collection": None,
            "status": status,
            "error": error,
            "first_sent": self.now_text() if sent else None,
            "last_sent": self.now_text() if sent else None,
            "seen": self.now_text(),
        }

    def _remove(self, removed: list[StoredFile]) -> None:
        """Delete (or keep, by option) the objects of files gone from the stage; a failed delete is retried next run."""
        rows = []
        for row in removed:
            status, error = state.REMOVED, None
            if row.object_id and self.request.options.on_removed == "keep":
                status = state.KEPT
                self.counts.kept += 1
            elif row.object_id:
                error = api.delete_object(self._client(), self.request.bucket_id, row.object_id)
                status = row.status if error else state.REMOVED
                self.counts.failed += int(error is not None)
                self.counts.deleted += int(error is None)
            rows.append({"path": row.path, "status": status, "error": error})
        if rows:
            self.write(self.tables.record_gone(), [*self._key(), self.run_id, json.dumps(rows)])

    def _record(self, rows: list[dict[str, Any]]) -> None:
        if rows:
            self.write(self.tables.record_files(), [*self._key(), self.run_id, json.dumps(rows)])
