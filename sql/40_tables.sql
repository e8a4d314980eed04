-- Step 7 of the deploy (owner role), after `snow snowpark deploy`: the bundle's tables.
-- Columns, types and comments are those of src/mixpeek_snowflake/tables.py (tests/project checks they match);
-- the procedure creates the same tables when they are missing, so they exist here for grants and policies.
-- IF NOT EXISTS: a rerun never touches rows.
USE ROLE <% ctx.env.owner_role %>;

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> (
  DOCUMENT_ID VARCHAR NOT NULL COMMENT 'Mixpeek document id (doc_…); one row per document',
  COLLECTION_ID VARCHAR COMMENT 'Mixpeek collection id (col_…)',
  NAMESPACE_ID VARCHAR COMMENT 'Mixpeek namespace id (_internal.namespace_id)',
  CREATED_AT TIMESTAMP_NTZ COMMENT 'When Mixpeek created the document (_internal.created_at, UTC)',
  UPDATED_AT TIMESTAMP_NTZ COMMENT 'When Mixpeek last changed the document (_internal.updated_at, UTC)',
  MODALITY VARCHAR COMMENT 'video, image, audio, text … (_internal.modality)',
  MIME_TYPE VARCHAR COMMENT 'MIME type of the source file (_internal.mime_type)',
  SOURCE_URL VARCHAR COMMENT 'URL of the source file (_internal.processing.source_url or source blob)',
  SOURCE_OBJECT_ID VARCHAR COMMENT 'Bucket object the document came from (_internal.lineage)',
  ROOT_OBJECT_ID VARCHAR COMMENT 'Root object of the lineage chain (_internal.lineage)',
  ROOT_BUCKET_ID VARCHAR COMMENT 'Bucket of the root object (_internal.lineage)',
  SIZE_BYTES NUMBER(38,0) COMMENT 'Size of the source file in bytes (_internal.size_bytes)',
  METADATA VARIANT COMMENT 'User metadata of the document (its root metadata object)',
  DOCUMENT VARIANT COMMENT 'The whole document as Mixpeek returned it',
  CONTENT_HASH VARCHAR COMMENT 'SHA-256 of the document''s canonical JSON; a row is rewritten only when it changes',
  IS_DELETED BOOLEAN NOT NULL COMMENT 'TRUE once the document is gone from Mixpeek',
  DELETED_AT TIMESTAMP_NTZ COMMENT 'When a sync first found the document gone (UTC)',
  FIRST_SYNCED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'When a sync first wrote the row (UTC)',
  LAST_SYNCED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'When a sync last wrote the row (UTC)',
  LAST_RUN_ID VARCHAR NOT NULL COMMENT 'Run (MIXPEEK_SYNC_RUNS.RUN_ID) that last wrote the row'
) COMMENT = 'Mixpeek documents synced by sync_mixpeek_collection: one row per document id';

CREATE TRANSIENT TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STAGE (
  RUN_ID VARCHAR NOT NULL COMMENT 'Run that staged the row',
  OP VARCHAR NOT NULL COMMENT 'U: document to upsert, D: id deleted in Mixpeek, R: rejected document',
  SEQ NUMBER(38,0) COMMENT 'Arrival order within the run; the later of two equal versions wins',
  DOCUMENT_ID VARCHAR COMMENT 'Mixpeek document id (doc_…); one row per document',
  COLLECTION_ID VARCHAR COMMENT 'Mixpeek collection id (col_…)',
  NAMESPACE_ID VARCHAR COMMENT 'Mixpeek namespace id (_internal.namespace_id)',
  CREATED_AT TIMESTAMP_NTZ COMMENT 'When Mixpeek created the document (_internal.created_at, UTC)',
  UPDATED_AT TIMESTAMP_NTZ COMMENT 'When Mixpeek last changed the document (_internal.updated_at, UTC)',
  MODALITY VARCHAR COMMENT 'video, image, audio, text … (_internal.modality)',
  MIME_TYPE VARCHAR COMMENT 'MIME type of the source file (_internal.mime_type)',
  SOURCE_URL VARCHAR COMMENT 'URL of the source file (_internal.processing.source_url or source blob)',
  SOURCE_OBJECT_ID VARCHAR COMMENT 'Bucket object the document came from (_internal.lineage)',
  ROOT_OBJECT_ID VARCHAR COMMENT 'Root object of the lineage chain (_internal.lineage)',
  ROOT_BUCKET_ID VARCHAR COMMENT 'Bucket of the root object (_internal.lineage)',
  SIZE_BYTES NUMBER(38,0) COMMENT 'Size of the source file in bytes (_internal.size_bytes)',
  METADATA VARIANT COMMENT 'User metadata of the document (its root metadata object)',
  DOCUMENT VARIANT COMMENT 'The whole document as Mixpeek returned it',
  CONTENT_HASH VARCHAR COMMENT 'SHA-256 of the document''s canonical JSON; a row is rewritten only when it changes',
  REASON VARCHAR COMMENT 'Why a document was rejected (OP = R)',
  EXCERPT VARCHAR COMMENT 'Start of a rejected document (OP = R)',
  LABELS VARIANT COMMENT 'Taxonomy labels of the document (OP = U or L)'
) COMMENT = 'Rows fetched by running syncs, keyed by run id; emptied when each run ends';

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE (
  COLLECTION_ID VARCHAR NOT NULL COMMENT 'Mixpeek collection id',
  TARGET_TABLE VARCHAR NOT NULL COMMENT 'Fully qualified target table',
  WATERMARK VARCHAR COMMENT 'Newest _internal.updated_at applied (ISO-8601 UTC)',
  EVENTS_CURSOR VARCHAR COMMENT 'Position in Mixpeek''s change feed (/v1/events) already applied',
  LAST_RUN_ID VARCHAR COMMENT 'Last run that committed',
  LAST_SUCCESS_AT TIMESTAMP_NTZ COMMENT 'When the last run committed (UTC)',
  LAST_FULL_SYNC_AT TIMESTAMP_NTZ COMMENT 'When the last full run committed (UTC)',
  LEASE_RUN_ID VARCHAR COMMENT 'Run holding the lease, NULL when free',
  LEASE_EXPIRES_AT TIMESTAMP_NTZ COMMENT 'When the lease lapses if its run never releases it (UTC)',
  DEFINITION VARIANT COMMENT 'What decides the target''s content: namespace, filters, include_vectors',
  TARGET_ROWS NUMBER(38,0) COMMENT 'Rows the target held when the last run committed',
  TARGET_CREATED VARCHAR COMMENT 'The target''s creation time (INFORMATION_SCHEMA) at the last commit'
) COMMENT = 'Per (collection, target table): watermark, change-feed cursor and the run lease';

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS (
  RUN_ID VARCHAR NOT NULL COMMENT 'Run id',
  COLLECTION_ID VARCHAR COMMENT 'Mixpeek collection id (as given until resolved)',
  TARGET_TABLE VARCHAR COMMENT 'Fully qualified target table',
  MODE VARCHAR COMMENT 'full or incremental (as run)',
  STATUS VARCHAR NOT NULL COMMENT 'RUNNING, SUCCEEDED, FAILED, SKIPPED, CANCELLED or ABANDONED (docs/sync.md)',
  DRY_RUN BOOLEAN COMMENT 'TRUE when nothing but this row was written',
  STARTED_AT TIMESTAMP_NTZ COMMENT 'Start (UTC)',
  FINISHED_AT TIMESTAMP_NTZ COMMENT 'End (UTC)',
  DOCUMENTS_SEEN NUMBER(38,0) COMMENT 'Documents received from Mixpeek',
  INSERTED NUMBER(38,0) COMMENT 'Rows inserted',
  UPDATED NUMBER(38,0) COMMENT 'Rows rewritten because the document changed or came back',
  UNCHANGED NUMBER(38,0) COMMENT 'Documents seen whose row was already current',
  DELETED NUMBER(38,0) COMMENT 'Rows marked deleted',
  REJECTED NUMBER(38,0) COMMENT 'Documents quarantined in MIXPEEK_SYNC_REJECTS',
  PAGES NUMBER(38,0) COMMENT 'Pages listed',
  API_REQUESTS NUMBER(38,0) COMMENT 'HTTP requests sent to Mixpeek, retries included',
  RETRIES NUMBER(38,0) COMMENT 'HTTP requests retried',
  DURATION_SECONDS FLOAT COMMENT 'Wall time',
  ERROR VARCHAR COMMENT 'Why the run failed',
  SUMMARY VARIANT COMMENT 'The summary the CALL returned',
  REASON VARCHAR COMMENT 'Why the run ran full although incremental was asked, or why it was skipped',
  DEFINITION VARIANT COMMENT 'The target definition the run used: namespace, filters, include_vectors',
  OPTIONS VARIANT COMMENT 'The options the CALL was given',
  USER_NAME VARCHAR COMMENT 'CURRENT_USER() of the run',
  ROLE_NAME VARCHAR COMMENT 'CURRENT_ROLE() of the run',
  QUERY_ID VARCHAR COMMENT 'LAST_QUERY_ID() when the run started, NULL where the engine lacks it'
) COMMENT = 'One row per sync run: what it did, or why it failed';

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS (
  RUN_ID VARCHAR NOT NULL COMMENT 'Run that met the document',
  COLLECTION_ID VARCHAR COMMENT 'Mixpeek collection id',
  TARGET_TABLE VARCHAR COMMENT 'Fully qualified target table',
  DOCUMENT_ID VARCHAR COMMENT 'Document id, when it had a usable one',
  REASON VARCHAR COMMENT 'Why it was not stored',
  EXCERPT VARCHAR COMMENT 'The start of the document as received',
  REJECTED_AT TIMESTAMP_NTZ COMMENT 'When (UTC)'
) COMMENT = 'Documents a sync could not store, with the reason; nothing is dropped silently';

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS (
  DOCUMENT_ID VARCHAR NOT NULL COMMENT 'Mixpeek document id',
  COLLECTION_ID VARCHAR COMMENT 'Mixpeek collection id',
  TAXONOMY_ID VARCHAR NOT NULL COMMENT 'Mixpeek taxonomy id (tax_…)',
  TAXONOMY_NAME VARCHAR COMMENT 'Taxonomy name (GET /v1/taxonomies/{id}), NULL if unknown',
  NODE_ID VARCHAR COMMENT 'Taxonomy node the document was classified as',
  LABEL VARCHAR COMMENT 'Label of that node',
  SCORE FLOAT COMMENT 'Match score',
  RANK NUMBER(38,0) NOT NULL COMMENT '1 for the best match, then 2, 3 … for top-k assignments',
  PATH VARIANT COMMENT 'Hierarchical path of labels, root first, where the taxonomy has one',
  DOCUMENT_UPDATED_AT TIMESTAMP_NTZ COMMENT '_internal.updated_at of the labelled version (UTC)',
  LAST_RUN_ID VARCHAR COMMENT 'Run that wrote the row',
  LAST_SYNCED_AT TIMESTAMP_NTZ COMMENT 'When the row was written (UTC)',
  TARGET_TABLE VARCHAR COMMENT 'Fully qualified target table whose row is labelled'
) COMMENT = 'Taxonomy labels of synced rows: one row per (target, document, taxonomy, rank), live documents only';

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TAXONOMIES (
  TAXONOMY_ID VARCHAR NOT NULL COMMENT 'Mixpeek taxonomy id',
  TAXONOMY_NAME VARCHAR COMMENT 'Taxonomy name, NULL when Mixpeek did not know the id',
  TAXONOMY_TYPE VARCHAR COMMENT 'flat or hierarchical',
  FETCHED_AT TIMESTAMP_NTZ COMMENT 'When the name was read from Mixpeek (UTC)'
) COMMENT = 'Names of the taxonomies labels refer to, fetched once per taxonomy id';

-- Upgrades: tables made by an older version gain the columns added since (the procedure adds them too, on its
-- first run: https://docs.snowflake.com/en/sql-reference/sql/alter-table, ADD COLUMN IF NOT EXISTS).
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE ADD COLUMN IF NOT EXISTS DEFINITION VARIANT COMMENT 'What decides the target''s content: namespace, filters, include_vectors';
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE ADD COLUMN IF NOT EXISTS TARGET_ROWS NUMBER(38,0) COMMENT 'Rows the target held when the last run committed';
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE ADD COLUMN IF NOT EXISTS TARGET_CREATED VARCHAR COMMENT 'The target''s creation time (INFORMATION_SCHEMA) at the last commit';
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS ADD COLUMN IF NOT EXISTS REASON VARCHAR COMMENT 'Why the run ran full although incremental was asked, or why it was skipped';
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS ADD COLUMN IF NOT EXISTS DEFINITION VARIANT COMMENT 'The target definition the run used: namespace, filters, include_vectors';
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS ADD COLUMN IF NOT EXISTS OPTIONS VARIANT COMMENT 'The options the CALL was given';
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS ADD COLUMN IF NOT EXISTS USER_NAME VARCHAR COMMENT 'CURRENT_USER() of the run';
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS ADD COLUMN IF NOT EXISTS ROLE_NAME VARCHAR COMMENT 'CURRENT_ROLE() of the run';
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS ADD COLUMN IF NOT EXISTS QUERY_ID VARCHAR COMMENT 'LAST_QUERY_ID() when the run started, NULL where the engine lacks it';
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS ADD COLUMN IF NOT EXISTS TARGET_TABLE VARCHAR COMMENT 'Fully qualified target table whose row is labelled';

-- enrich_mixpeek_documents keeps these two in the current schema (or its state_schema option); here they are made
-- in the bundle schema, where the owner role may create tables, so governance and grants can reach them.
CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_STATE (
  COLLECTION_ID VARCHAR NOT NULL COMMENT 'Mixpeek collection id (col_…)',
  MAPPING_ID VARCHAR NOT NULL COMMENT 'Hash of the key field and the metadata keys written; each column mapping keeps its own state',
  DOCUMENT_ID VARCHAR NOT NULL COMMENT 'Mixpeek document the values were pushed to',
  KEY_VALUE VARCHAR COMMENT 'SHA-256 hex of the source key that matched the document: SHA2(key as text, 256)',
  VALUES_HASH VARCHAR NOT NULL COMMENT 'SHA-256 of the update_data Mixpeek confirmed; a row is sent again only when it changes',
  SOURCE VARCHAR COMMENT 'Source table, or the start of the source query',
  LAST_RUN_ID VARCHAR NOT NULL COMMENT 'Enrichment run that last pushed the values',
  PUSHED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'When Mixpeek confirmed the values (UTC)'
) COMMENT = 'What enrich_mixpeek_documents last pushed to each Mixpeek document, so unchanged rows are skipped';

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES (
  RUN_ID VARCHAR NOT NULL COMMENT 'Enrichment run',
  COLLECTION_ID VARCHAR COMMENT 'Mixpeek collection id',
  SOURCE VARCHAR COMMENT 'Source table, or the start of the source query',
  KEY_VALUE VARCHAR COMMENT 'SHA-256 hex of the source key: SHA2(key as text, 256); NULL when the key was NULL',
  DOCUMENT_ID VARCHAR COMMENT 'Mixpeek document, when the key matched one',
  REASON VARCHAR NOT NULL COMMENT 'Why nothing was pushed for it',
  UPDATE_DATA VARIANT COMMENT 'The JSON type of each dotted key of the refused update, never its value',
  FAILED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'When (UTC)'
) COMMENT = 'Rows and documents an enrichment run could not push, with the reason; the rest of the run went on';

-- enrich_mixpeek_documents (caller's rights) hands the rows it read as its caller to enrich_mixpeek_push (owner's
-- rights) through this table: callers get INSERT only (sql/90_grants.sql), ITEM is masked (sql/50_governance.sql),
-- and each run deletes its rows. The procedure cannot create it as a caller, so it must exist before the first run.
CREATE TRANSIENT TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INBOX (
  TOKEN VARCHAR NOT NULL COMMENT 'Random secret of one run; never written anywhere a caller can read',
  SEQ NUMBER(38,0) NOT NULL COMMENT '0: the request; 1…n: the rows grouped by key, in key order',
  ITEM VARIANT COMMENT 'The request (SEQ 0) or one key''s row: key, update_data, row number, problem',
  CREATED_AT TIMESTAMP_NTZ COMMENT 'When the caller wrote it (UTC)'
) COMMENT = 'Rows a caller''s-rights enrich_mixpeek_documents read as its caller, waiting for the owner''s-rights push; callers may INSERT only, and each run deletes its own rows';
-- ingest_stage_files (docs/ingest.md): the state of each stage file sent to a bucket, the lease per (stage, bucket)
-- and the runs, whose first columns are those of MIXPEEK_SYNC_RUNS so one view can list both kinds of run.
CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES (
  STAGE VARCHAR NOT NULL COMMENT 'Fully qualified stage (DATABASE.SCHEMA.STAGE)',
  BUCKET_ID VARCHAR NOT NULL COMMENT 'Mixpeek bucket the file''s object lives in',
  RELATIVE_PATH VARCHAR NOT NULL COMMENT 'Path of the file on the stage (DIRECTORY RELATIVE_PATH)',
  CHECKSUM VARCHAR COMMENT 'md5:…, etag:… or size:…;modified:… of the file as last sent',
  SIZE_BYTES NUMBER(38,0) COMMENT 'Size of the file in bytes (DIRECTORY SIZE)',
  LAST_MODIFIED TIMESTAMP_NTZ COMMENT 'When the file last changed (DIRECTORY LAST_MODIFIED, UTC)',
  OBJECT_ID VARCHAR COMMENT 'Mixpeek bucket object made from the file (obj_…), NULL until one exists',
  IDEMPOTENCY_KEY VARCHAR COMMENT 'Idempotency key of the object: a hash of stage, path and checksum',
  BATCH_ID VARCHAR COMMENT 'Mixpeek batch the object was last submitted in, NULL when not submitted',
  COLLECTION_ID VARCHAR COMMENT 'Collection the batch was submitted for (the collection option)',
  STATUS VARCHAR NOT NULL COMMENT 'SENT, FAILED, REMOVED or KEPT (docs/ingest.md)',
  ERROR VARCHAR COMMENT 'Why the file''s last send failed (never a URL)',
  FIRST_SENT_AT TIMESTAMP_NTZ COMMENT 'When an object was first made from the file (UTC)',
  LAST_SENT_AT TIMESTAMP_NTZ COMMENT 'When the file was last sent (UTC)',
  LAST_SEEN_AT TIMESTAMP_NTZ COMMENT 'When a run last found the file on the stage (UTC)',
  LAST_RUN_ID VARCHAR NOT NULL COMMENT 'Run (MIXPEEK_INGEST_RUNS.RUN_ID) that last wrote the row'
) COMMENT = 'Files of a stage sent to a Mixpeek bucket by ingest_stage_files: one row per (stage, bucket, path)';

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_STATE (
  STAGE VARCHAR NOT NULL COMMENT 'Fully qualified stage',
  BUCKET_ID VARCHAR NOT NULL COMMENT 'Mixpeek bucket',
  LEASE_RUN_ID VARCHAR COMMENT 'Run holding the lease, NULL when free',
  LEASE_EXPIRES_AT TIMESTAMP_NTZ COMMENT 'When the lease lapses if its run never releases it (UTC)',
  LAST_RUN_ID VARCHAR COMMENT 'Last run that finished',
  LAST_SUCCESS_AT TIMESTAMP_NTZ COMMENT 'When the last run finished (UTC)'
) COMMENT = 'Per (stage, bucket): the ingestion lease and the last run that finished';

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_RUNS (
  RUN_ID VARCHAR NOT NULL COMMENT 'Run id',
  COLLECTION_ID VARCHAR COMMENT 'Collection the run submitted its batch for (the collection option), NULL when none',
  TARGET_TABLE VARCHAR COMMENT 'NULL: an ingestion writes no documents table (see STAGE and BUCKET_ID)',
  MODE VARCHAR COMMENT 'ingest',
  STATUS VARCHAR NOT NULL COMMENT 'RUNNING, SUCCEEDED, PARTIAL (some files failed: see MIXPEEK_STAGE_FILES), FAILED, SKIPPED, CANCELLED or ABANDONED',
  DRY_RUN BOOLEAN COMMENT 'TRUE when nothing but this row was written',
  STARTED_AT TIMESTAMP_NTZ COMMENT 'Start (UTC)',
  FINISHED_AT TIMESTAMP_NTZ COMMENT 'End (UTC)',
  DOCUMENTS_SEEN NUMBER(38,0) COMMENT 'Files of the stage that matched the pattern',
  INSERTED NUMBER(38,0) COMMENT 'Objects created for new files',
  UPDATED NUMBER(38,0) COMMENT 'Objects replaced because their file changed',
  UNCHANGED NUMBER(38,0) COMMENT 'Files already sent with the same checksum',
  DELETED NUMBER(38,0) COMMENT 'Objects deleted because their file left the stage',
  REJECTED NUMBER(38,0) COMMENT 'Files that failed (their row in MIXPEEK_STAGE_FILES says why)',
  PAGES NUMBER(38,0) COMMENT 'Pages of DIRECTORY(@stage) read',
  API_REQUESTS NUMBER(38,0) COMMENT 'HTTP requests sent to Mixpeek, retries included',
  RETRIES NUMBER(38,0) COMMENT 'HTTP requests retried',
  DURATION_SECONDS FLOAT COMMENT 'Wall time',
  ERROR VARCHAR COMMENT 'Why the run failed',
  SUMMARY VARIANT COMMENT 'The summary the CALL returned',
  REASON VARCHAR COMMENT 'Why the run was skipped',
  DEFINITION VARIANT COMMENT 'What the run ingested: stage, bucket, pattern, collection',
  OPTIONS VARIANT COMMENT 'The options the CALL was given',
  USER_NAME VARCHAR COMMENT 'CURRENT_USER() of the run',
  ROLE_NAME VARCHAR COMMENT 'CURRENT_ROLE() of the run',
  QUERY_ID VARCHAR COMMENT 'LAST_QUERY_ID() when the run started, NULL where the engine lacks it',
  STAGE VARCHAR COMMENT 'Fully qualified stage',
  BUCKET_ID VARCHAR COMMENT 'Mixpeek bucket',
  KEPT NUMBER(38,0) COMMENT 'Objects kept although their file left the stage (on_removed = keep)',
  BATCH_IDS VARIANT COMMENT 'Mixpeek batches the run submitted'
) COMMENT = 'One row per ingest_stage_files run: what it sent or why it failed (MIXPEEK_SYNC_RUNS columns first)';

-- The scheduler's configuration (add_mixpeek_target … run_due_mixpeek_syncs) and the run log of enrich and view
-- builds; the procedures create both too when they are missing (docs/operations.md).
CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_TARGETS (
  COLLECTION_ID VARCHAR NOT NULL COMMENT 'Mixpeek collection id (col_…)',
  TARGET_TABLE VARCHAR NOT NULL COMMENT 'Fully qualified target table',
  OPTIONS VARIANT COMMENT 'The options every scheduled sync_mixpeek_collection call is given',
  SCHEDULE VARCHAR NOT NULL COMMENT 'hourly_incremental, daily_full or hourly_incremental,daily_full (docs/operations.md)',
  ENABLED BOOLEAN NOT NULL COMMENT 'FALSE while paused: the scheduler skips the target',
  PAUSED_REASON VARCHAR COMMENT 'Why the target was paused (pause_mixpeek_target), NULL when enabled',
  STALE_AFTER_SECONDS NUMBER(38,0) COMMENT 'Lag after which MIXPEEK_TARGET_HEALTH calls it stale',
  CREATED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'When the target was added (UTC)',
  UPDATED_AT TIMESTAMP_NTZ NOT NULL COMMENT 'When the target was last changed, paused or resumed (UTC)',
  NEXT_INCREMENTAL_AT TIMESTAMP_NTZ COMMENT 'When the next scheduled incremental run is due (UTC)',
  NEXT_FULL_AT TIMESTAMP_NTZ COMMENT 'When the next scheduled full run is due (UTC)',
  LAST_SCHEDULED_AT TIMESTAMP_NTZ COMMENT 'When the scheduler last ran the target (UTC)',
  LAST_SCHEDULED_RUN_ID VARCHAR COMMENT 'Run (MIXPEEK_SYNC_RUNS.RUN_ID) the scheduler last started',
  LAST_SCHEDULED_STATUS VARCHAR COMMENT 'How that run ended: SUCCEEDED, FAILED, SKIPPED …'
) COMMENT = 'Sync targets run_due_mixpeek_syncs keeps up to date: schedule, options, enabled or paused and why';

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_OPERATION_RUNS (
  KIND VARCHAR NOT NULL COMMENT 'enrich, views or ingest',
  RUN_ID VARCHAR NOT NULL COMMENT 'Run id',
  COLLECTION_ID VARCHAR COMMENT 'Mixpeek collection id (as given until resolved)',
  TARGET VARCHAR COMMENT 'What the run read or wrote: the enrich source, the views'' source table',
  STATUS VARCHAR NOT NULL COMMENT 'RUNNING, SUCCEEDED, PARTIAL (some rows failed) or FAILED',
  DRY_RUN BOOLEAN COMMENT 'TRUE when the run wrote nothing but this row',
  STARTED_AT TIMESTAMP_NTZ COMMENT 'Start (UTC)',
  FINISHED_AT TIMESTAMP_NTZ COMMENT 'End (UTC)',
  DOCUMENTS NUMBER(38,0) COMMENT 'Documents the run handled (enrich: sent; views: sampled)',
  FAILED NUMBER(38,0) COMMENT 'Rows or documents that failed',
  ERROR VARCHAR COMMENT 'Why the run failed',
  SUMMARY VARIANT COMMENT 'The summary the CALL returned',
  USER_NAME VARCHAR COMMENT 'CURRENT_USER() of the run',
  ROLE_NAME VARCHAR COMMENT 'CURRENT_ROLE() of the run'
) COMMENT = 'One row per enrich, view build or other non-sync run: what it did, or why it failed';
