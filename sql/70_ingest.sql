-- Step 11 of the deploy (owner role): the join back from stage files to what Mixpeek made of them (docs/ingest.md).
-- ingest_stage_files records each file in MIXPEEK_STAGE_FILES (its object, batch, status and error); the sync
-- writes the documents, whose lineage names the object and whose root carries the stage path and checksum the
-- object's blob metadata passed through. Files that failed appear with their error and no document.
-- CREATE OR REPLACE VIEW … COPY GRANTS: a redeploy takes the newer definition and keeps the grants; no data is touched.
-- The views read the tables as they are: masking and row access policies still apply, for the role that queries.
USE ROLE <% ctx.env.owner_role %>;

CREATE OR REPLACE VIEW <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILE_DOCUMENTS COPY GRANTS
  COMMENT = 'Each stage file ingest_stage_files sent, its Mixpeek object and the synced documents made from it'
AS
SELECT
  f.STAGE,
  f.RELATIVE_PATH,
  f.BUCKET_ID,
  f.STATUS AS FILE_STATUS,
  f.ERROR AS FILE_ERROR,
  f.CHECKSUM,
  f.SIZE_BYTES,
  f.LAST_SENT_AT,
  f.OBJECT_ID,
  f.BATCH_ID,
  d.DOCUMENT_ID,
  d.COLLECTION_ID,
  d.MODALITY,
  d.MIME_TYPE,
  d.DOCUMENT:snowflake_stage::VARCHAR AS DOCUMENT_STAGE,
  d.DOCUMENT:snowflake_path::VARCHAR AS DOCUMENT_STAGE_PATH,
  d.DOCUMENT:snowflake_checksum::VARCHAR AS DOCUMENT_CHECKSUM,
  d.DOCUMENT:snowflake_checksum::VARCHAR = f.CHECKSUM AS DOCUMENT_IS_CURRENT,
  d.UPDATED_AT AS DOCUMENT_UPDATED_AT,
  d.METADATA,
  d.DOCUMENT
FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES f
LEFT JOIN <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> d
  ON d.SOURCE_OBJECT_ID = f.OBJECT_ID AND NOT d.IS_DELETED;

CREATE OR REPLACE VIEW <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILE_LABELS COPY GRANTS
  COMMENT = 'Taxonomy labels of the documents made from each stage file: file, object, document, label'
AS
SELECT
  f.STAGE,
  f.RELATIVE_PATH,
  f.OBJECT_ID,
  d.DOCUMENT_ID,
  l.TAXONOMY_ID,
  l.TAXONOMY_NAME,
  l.NODE_ID,
  l.LABEL,
  l.SCORE,
  l.RANK
FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES f
JOIN <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> d
  ON d.SOURCE_OBJECT_ID = f.OBJECT_ID AND NOT d.IS_DELETED
JOIN <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS l
  ON l.DOCUMENT_ID = d.DOCUMENT_ID
  AND l.TARGET_TABLE = UPPER('<% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %>');
