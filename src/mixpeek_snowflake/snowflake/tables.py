"""The bundle's tables: names, columns, types and comments, the one source the DDL is made from."""

from __future__ import annotations

from dataclasses import dataclass, replace


@dataclass(frozen=True)
class Column:
    name: str
    type: str
    comment: str
    not_null: bool = False


@dataclass(frozen=True)
class TableSpec:
    name: str
    comment: str
    columns: tuple[Column, ...]
    transient: bool = False

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


TYPED_COLUMNS = (
    Column("DOCUMENT_ID", "VARCHAR", "Mixpeek document id (doc_…); one row per document", not_null=True),
    Column("COLLECTION_ID", "VARCHAR", "Mixpeek collection id (col_…)"),
    Column("NAMESPACE_ID", "VARCHAR", "Mixpeek namespace id (_internal.namespace_id)"),
    Column("CREATED_AT", "TIMESTAMP_NTZ", "When Mixpeek created the document (_internal.created_at, UTC)"),
    Column("UPDATED_AT", "TIMESTAMP_NTZ", "When Mixpeek last changed the document (_internal.updated_at, UTC)"),
    Column("MODALITY", "VARCHAR", "video, image, audio, text … (_internal.modality)"),
    Column("MIME_TYPE", "VARCHAR", "MIME type of the source file (_internal.mime_type)"),
    Column("SOURCE_URL", "VARCHAR", "URL of the source file (_internal.processing.source_url or source blob)"),
    Column("SOURCE_OBJECT_ID", "VARCHAR", "Bucket object the document came from (_internal.lineage)"),
    Column("ROOT_OBJECT_ID", "VARCHAR", "Root object of the lineage chain (_internal.lineage)"),
    Column("ROOT_BUCKET_ID", "VARCHAR", "Bucket of the root object (_internal.lineage)"),
    Column("SIZE_BYTES", "NUMBER(38,0)", "Size of the source file in bytes (_internal.size_bytes)"),
    Column("METADATA", "VARIANT", "User metadata of the document (its root metadata object)"),
    Column("DOCUMENT", "VARIANT", "The whole document as Mixpeek returned it"),
    Column(
        "CONTENT_HASH",
        "VARCHAR",
        "SHA-256 of the document's canonical JSON; a row is rewritten only when it changes",
    ),
)

DOCUMENTS = TableSpec(
    name="MIXPEEK_DOCUMENTS",
    comment="Mixpeek documents synced by sync_mixpeek_collection: one row per document id",
    columns=(
        *TYPED_COLUMNS,
        Column("IS_DELETED", "BOOLEAN", "TRUE once the document is gone from Mixpeek", not_null=True),
        Column("DELETED_AT", "TIMESTAMP_NTZ", "When a sync first found the document gone (UTC)"),
        Column("FIRST_SYNCED_AT", "TIMESTAMP_NTZ", "When a sync first wrote the row (UTC)", not_null=True),
        Column("LAST_SYNCED_AT", "TIMESTAMP_NTZ", "When a sync last wrote the row (UTC)", not_null=True),
        Column("LAST_RUN_ID", "VARCHAR", "Run (MIXPEEK_SYNC_RUNS.RUN_ID) that last wrote the row", not_null=True),
    ),
)

STAGE = TableSpec(
    name="MIXPEEK_SYNC_STAGE",
    comment="Rows fetched by running syncs, keyed by run id; emptied when each run ends",
    transient=True,
    columns=(
        Column("RUN_ID", "VARCHAR", "Run that staged the row", not_null=True),
        Column(
            "OP",
            "VARCHAR",
            "U: document to upsert, D: id deleted in Mixpeek, R: rejected document",
            not_null=True,
        ),
        Column("SEQ", "NUMBER(38,0)", "Arrival order within the run; the later of two equal versions wins"),
        *(replace(column, not_null=False) for column in TYPED_COLUMNS),
        Column("REASON", "VARCHAR", "Why a document was rejected (OP = R)"),
        Column("EXCERPT", "VARCHAR", "Start of a rejected document (OP = R)"),
        Column("LABELS", "VARIANT", "Taxonomy labels of the document (OP = U or L)"),
    ),
)

STATE = TableSpec(
    name="MIXPEEK_SYNC_STATE",
    comment="Per (collection, target table): watermark, change-feed cursor and the run lease",
    columns=(
        Column("COLLECTION_ID", "VARCHAR", "Mixpeek collection id", not_null=True),
        Column("TARGET_TABLE", "VARCHAR", "Fully qualified target table", not_null=True),
        Column("WATERMARK", "VARCHAR", "Newest _internal.updated_at applied (ISO-8601 UTC)"),
        Column("EVENTS_CURSOR", "VARCHAR", "Position in Mixpeek's change feed (/v1/events) already applied"),
        Column("LAST_RUN_ID", "VARCHAR", "Last run that committed"),
        Column("LAST_SUCCESS_AT", "TIMESTAMP_NTZ", "When the last run committed (UTC)"),
        Column("LAST_FULL_SYNC_AT", "TIMESTAMP_NTZ", "When the last full run committed (UTC)"),
        Column("LEASE_RUN_ID", "VARCHAR", "Run holding the lease, NULL when free"),
        Column("LEASE_EXPIRES_AT", "TIMESTAMP_NTZ", "When the lease lapses if its run never releases it (UTC)"),
        Column("DEFINITION", "VARIANT", "What decides the target's content: namespace, filters, include_vectors"),
        Column("TARGET_ROWS", "NUMBER(38,0)", "Rows the target held when the last run committed"),
        Column("TARGET_CREATED", "VARCHAR", "The target's creation time (INFORMATION_SCHEMA) at the last commit"),
    ),
)

RUNS = TableSpec(
    name="MIXPEEK_SYNC_RUNS",
    comment="One row per sync run: what it did, or why it failed",
    columns=(
        Column("RUN_ID", "VARCHAR", "Run id", not_null=True),
        Column("COLLECTION_ID", "VARCHAR", "Mixpeek collection id (as given until resolved)"),
        Column("TARGET_TABLE", "VARCHAR", "Fully qualified target table"),
        Column("MODE", "VARCHAR", "full or incremental (as run)"),
        Column(
            "STATUS",
            "VARCHAR",
            "RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED or ABANDONED (docs/sync.md)",
            not_null=True,
        ),
        Column("DRY_RUN", "BOOLEAN", "TRUE when nothing but this row was written"),
        Column("STARTED_AT", "TIMESTAMP_NTZ", "Start (UTC)"),
        Column("FINISHED_AT", "TIMESTAMP_NTZ", "End (UTC)"),
        Column("DOCUMENTS_SEEN", "NUMBER(38,0)", "Documents received from Mixpeek"),
        Column("INSERTED", "NUMBER(38,0)", "Rows inserted"),
        Column("UPDATED", "NUMBER(38,0)", "Rows rewritten because the document changed or came back"),
        Column("UNCHANGED", "NUMBER(38,0)", "Documents seen whose row was already current"),
        Column("DELETED", "NUMBER(38,0)", "Rows marked deleted"),
        Column("REJECTED", "NUMBER(38,0)", "Documents quarantined in MIXPEEK_SYNC_REJECTS"),
        Column("PAGES", "NUMBER(38,0)", "Pages listed"),
        Column("API_REQUESTS", "NUMBER(38,0)", "HTTP requests sent to Mixpeek, retries included"),
        Column("RETRIES", "NUMBER(38,0)", "HTTP requests retried"),
        Column("DURATION_SECONDS", "FLOAT", "Wall time"),
        Column("ERROR", "VARCHAR", "Why the run failed"),
        Column("SUMMARY", "VARIANT", "The summary the CALL returned"),
        Column("REASON", "VARCHAR", "Why the run ran full although incremental was asked, or why it was skipped"),
        Column("DEFINITION", "VARIANT", "The target definition the run used: namespace, filters, include_vectors"),
        Column("OPTIONS", "VARIANT", "The options the CALL was given"),
        Column("USER_NAME", "VARCHAR", "CURRENT_USER() of the run"),
        Column("ROLE_NAME", "VARCHAR", "CURRENT_ROLE() of the run"),
        Column("QUERY_ID", "VARCHAR", "LAST_QUERY_ID() when the run started, NULL where the engine lacks it"),
    ),
)

REJECTS = TableSpec(
    name="MIXPEEK_SYNC_REJECTS",
    comment="Documents a sync could not store, with the reason; nothing is dropped silently",
    columns=(
        Column("RUN_ID", "VARCHAR", "Run that met the document", not_null=True),
        Column("COLLECTION_ID", "VARCHAR", "Mixpeek collection id"),
        Column("TARGET_TABLE", "VARCHAR", "Fully qualified target table"),
        Column("DOCUMENT_ID", "VARCHAR", "Document id, when it had a usable one"),
        Column("REASON", "VARCHAR", "Why it was not stored"),
        Column("EXCERPT", "VARCHAR", "The start of the document as received"),
        Column("REJECTED_AT", "TIMESTAMP_NTZ", "When (UTC)"),
    ),
)

LABELS = TableSpec(
    name="MIXPEEK_DOCUMENT_LABELS",
    comment="Taxonomy labels of synced rows: one row per (target, document, taxonomy, rank), live documents only",
    columns=(
        Column("DOCUMENT_ID", "VARCHAR", "Mixpeek document id", not_null=True),
        Column("COLLECTION_ID", "VARCHAR", "Mixpeek collection id"),
        Column("TAXONOMY_ID", "VARCHAR", "Mixpeek taxonomy id (tax_…)", not_null=True),
        Column("TAXONOMY_NAME", "VARCHAR", "Taxonomy name (GET /v1/taxonomies/{id}), NULL if unknown"),
        Column("NODE_ID", "VARCHAR", "Taxonomy node the document was classified as"),
        Column("LABEL", "VARCHAR", "Label of that node"),
        Column("SCORE", "FLOAT", "Match score"),
        Column("RANK", "NUMBER(38,0)", "1 for the best match, then 2, 3 … for top-k assignments", not_null=True),
        Column("PATH", "VARIANT", "Hierarchical path of labels, root first, where the taxonomy has one"),
        Column("DOCUMENT_UPDATED_AT", "TIMESTAMP_NTZ", "_internal.updated_at of the labelled version (UTC)"),
        Column("LAST_RUN_ID", "VARCHAR", "Run that wrote the row"),
        Column("LAST_SYNCED_AT", "TIMESTAMP_NTZ", "When the row was written (UTC)"),
        Column("TARGET_TABLE", "VARCHAR", "Fully qualified target table whose row is labelled"),
    ),
)

TAXONOMIES = TableSpec(
    name="MIXPEEK_TAXONOMIES",
    comment="Names of the taxonomies labels refer to, fetched once per taxonomy id",
    columns=(
        Column("TAXONOMY_ID", "VARCHAR", "Mixpeek taxonomy id", not_null=True),
        Column("TAXONOMY_NAME", "VARCHAR", "Taxonomy name, NULL when Mixpeek did not know the id"),
        Column("TAXONOMY_TYPE", "VARCHAR", "flat or hierarchical"),
        Column("FETCHED_AT", "TIMESTAMP_NTZ", "When the name was read from Mixpeek (UTC)"),
    ),
)

TARGETS = TableSpec(
    name="MIXPEEK_SYNC_TARGETS",
    comment="Sync targets run_due_mixpeek_syncs keeps up to date: schedule, options, enabled or paused and why",
    columns=(
        Column("COLLECTION_ID", "VARCHAR", "Mixpeek collection id (col_…)", not_null=True),
        Column("TARGET_TABLE", "VARCHAR", "Fully qualified target table", not_null=True),
        Column("OPTIONS", "VARIANT", "The options every scheduled sync_mixpeek_collection call is given"),
        Column(
            "SCHEDULE",
            "VARCHAR",
            "hourly_incremental, daily_full or hourly_incremental,daily_full (docs/operations.md)",
            not_null=True,
        ),
        Column("ENABLED", "BOOLEAN", "FALSE while paused: the scheduler skips the target", not_null=True),
        Column("PAUSED_REASON", "VARCHAR", "Why the target was paused (pause_mixpeek_target), NULL when enabled"),
        Column("STALE_AFTER_SECONDS", "NUMBER(38,0)", "Lag after which MIXPEEK_TARGET_HEALTH calls it stale"),
        Column("CREATED_AT", "TIMESTAMP_NTZ", "When the target was added (UTC)", not_null=True),
        Column(
            "UPDATED_AT", "TIMESTAMP_NTZ", "When the target was last changed, paused or resumed (UTC)", not_null=True
        ),
        Column("NEXT_INCREMENTAL_AT", "TIMESTAMP_NTZ", "When the next scheduled incremental run is due (UTC)"),
        Column("NEXT_FULL_AT", "TIMESTAMP_NTZ", "When the next scheduled full run is due (UTC)"),
        Column("LAST_SCHEDULED_AT", "TIMESTAMP_NTZ", "When the scheduler last ran the target (UTC)"),
        Column("LAST_SCHEDULED_RUN_ID", "VARCHAR", "Run (MIXPEEK_SYNC_RUNS.RUN_ID) the scheduler last started"),
        Column("LAST_SCHEDULED_STATUS", "VARCHAR", "How that run ended: SUCCEEDED, FAILED, SKIPPED …"),
    ),
)

OPERATION_RUNS = TableSpec(
    name="MIXPEEK_OPERATION_RUNS",
    comment="One row per enrich, view build or other non-sync run: what it did, or why it failed",
    columns=(
        Column("KIND", "VARCHAR", "enrich, views or ingest", not_null=True),
        Column("RUN_ID", "VARCHAR", "Run id", not_null=True),
        Column("COLLECTION_ID", "VARCHAR", "Mixpeek collection id (as given until resolved)"),
        Column("TARGET", "VARCHAR", "What the run read or wrote: the enrich source, the views' source table"),
        Column("STATUS", "VARCHAR", "RUNNING, SUCCEEDED, PARTIAL (some rows failed) or FAILED", not_null=True),
        Column("DRY_RUN", "BOOLEAN", "TRUE when the run wrote nothing but this row"),
        Column("STARTED_AT", "TIMESTAMP_NTZ", "Start (UTC)"),
        Column("FINISHED_AT", "TIMESTAMP_NTZ", "End (UTC)"),
        Column("DOCUMENTS", "NUMBER(38,0)", "Documents the run handled (enrich: sent; views: sampled)"),
        Column("FAILED", "NUMBER(38,0)", "Rows or documents that failed"),
        Column("ERROR", "VARCHAR", "Why the run failed"),
        Column("SUMMARY", "VARIANT", "The summary the CALL returned"),
        Column("USER_NAME", "VARCHAR", "CURRENT_USER() of the run"),
        Column("ROLE_NAME", "VARCHAR", "CURRENT_ROLE() of the run"),
    ),
)

ALL_TABLES = (DOCUMENTS, STAGE, STATE, RUNS, REJECTS, LABELS, TAXONOMIES, TARGETS, OPERATION_RUNS)
BOOKKEEPING = ALL_TABLES[1:]

STAGE_FILES = TableSpec(
    name="MIXPEEK_STAGE_FILES",
    comment="Files of a stage sent to a Mixpeek bucket by ingest_stage_files: one row per (stage, bucket, path)",
    columns=(
        Column("STAGE", "VARCHAR", "Fully qualified stage (DATABASE.SCHEMA.STAGE)", not_null=True),
        Column("BUCKET_ID", "VARCHAR", "Mixpeek bucket the file's object lives in", not_null=True),
        Column("RELATIVE_PATH", "VARCHAR", "Path of the file on the stage (DIRECTORY RELATIVE_PATH)", not_null=True),
        Column("CHECKSUM", "VARCHAR", "md5:…, etag:… or size:…;modified:… of the file as last sent"),
        Column("SIZE_BYTES", "NUMBER(38,0)", "Size of the file in bytes (DIRECTORY SIZE)"),
        Column("LAST_MODIFIED", "TIMESTAMP_NTZ", "When the file last changed (DIRECTORY LAST_MODIFIED, UTC)"),
        Column("OBJECT_ID", "VARCHAR", "Mixpeek bucket object made from the file (obj_…), NULL until one exists"),
        Column("IDEMPOTENCY_KEY", "VARCHAR", "Idempotency key of the object: a hash of stage, path and checksum"),
        Column("BATCH_ID", "VARCHAR", "Mixpeek batch the object was last submitted in, NULL when not submitted"),
        Column("COLLECTION_ID", "VARCHAR", "Collection the batch was submitted for (the collection option)"),
        Column("STATUS", "VARCHAR", "SENT, FAILED, REMOVED or KEPT (docs/ingest.md)", not_null=True),
        Column("ERROR", "VARCHAR", "Why the file's last send failed (never a URL)"),
        Column("FIRST_SENT_AT", "TIMESTAMP_NTZ", "When an object was first made from the file (UTC)"),
        Column("LAST_SENT_AT", "TIMESTAMP_NTZ", "When the file was last sent (UTC)"),
        Column("LAST_SEEN_AT", "TIMESTAMP_NTZ", "When a run last found the file on the stage (UTC)"),
        Column("LAST_RUN_ID", "VARCHAR", "Run (MIXPEEK_INGEST_RUNS.RUN_ID) that last wrote the row", not_null=True),
    ),
)

INGEST_STATE = TableSpec(
    name="MIXPEEK_INGEST_STATE",
    comment="Per (stage, bucket): the ingestion lease and the last run that finished",
    columns=(
        Column("STAGE", "VARCHAR", "Fully qualified stage", not_null=True),
        Column("BUCKET_ID", "VARCHAR", "Mixpeek bucket", not_null=True),
        Column("LEASE_RUN_ID", "VARCHAR", "Run holding the lease, NULL when free"),
        Column("LEASE_EXPIRES_AT", "TIMESTAMP_NTZ", "When the lease lapses if its run never releases it (UTC)"),
        Column("LAST_RUN_ID", "VARCHAR", "Last run that finished"),
        Column("LAST_SUCCESS_AT", "TIMESTAMP_NTZ", "When the last run finished (UTC)"),
    ),
)

INGEST_RUN_COMMENTS = {
    "COLLECTION_ID": "Collection the run submitted its batch for (the collection option), NULL when none",
    "TARGET_TABLE": "NULL: an ingestion writes no documents table (see STAGE and BUCKET_ID)",
    "MODE": "ingest",
    "STATUS": (
        "RUNNING, SUCCEEDED, PARTIAL (some files failed: see MIXPEEK_STAGE_FILES), FAILED, SKIPPED, CANCELLED or "
        "ABANDONED"
    ),
    "DOCUMENTS_SEEN": "Files of the stage that matched the pattern",
    "INSERTED": "Objects created for new files",
    "UPDATED": "Objects replaced because their file changed",
    "UNCHANGED": "Files already sent with the same checksum",
    "DELETED": "Objects deleted because their file left the stage",
    "REJECTED": "Files that failed (their row in MIXPEEK_STAGE_FILES says why)",
    "PAGES": "Pages of DIRECTORY(@stage) read",
    "REASON": "Why the run was skipped",
    "DEFINITION": "What the run ingested: stage, bucket, pattern, collection",
}

INGEST_RUNS = TableSpec(
    name="MIXPEEK_INGEST_RUNS",
    comment="One row per ingest_stage_files run: what it sent or why it failed (MIXPEEK_SYNC_RUNS columns first)",
    columns=(
        *(replace(c, comment=INGEST_RUN_COMMENTS.get(c.name, c.comment)) for c in RUNS.columns),
        Column("STAGE", "VARCHAR", "Fully qualified stage"),
        Column("BUCKET_ID", "VARCHAR", "Mixpeek bucket"),
        Column("KEPT", "NUMBER(38,0)", "Objects kept although their file left the stage (on_removed = keep)"),
        Column("BATCH_IDS", "VARIANT", "Mixpeek batches the run submitted"),
    ),
)

INGEST_TABLES = (STAGE_FILES, INGEST_STATE, INGEST_RUNS)
