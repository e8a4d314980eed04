-- make undeploy PURGE=1, after sql/undeploy.sql: also removes the synced data and what governs it.
-- Irreversible once the tables' Time Travel retention has passed (UNDROP TABLE works until then).
-- Tables a sync created under another target_table name, enrichment tables kept in another state_schema and views
-- made in another schema are not known here: drop them yourself first.
USE ROLE <% ctx.env.owner_role %>;
USE WAREHOUSE <% ctx.env.warehouse %>;

-- The views create_mixpeek_views made: every view the owner role owns in the bundle schema.
EXECUTE IMMEDIATE $$
DECLARE
  owned CURSOR FOR
    SELECT TABLE_NAME FROM <% ctx.env.database %>.INFORMATION_SCHEMA.VIEWS
    WHERE TABLE_SCHEMA = UPPER('<% ctx.env.schema %>') AND TABLE_OWNER = UPPER('<% ctx.env.owner_role %>');
  drop_view VARCHAR;
BEGIN
  FOR owned_view IN owned DO
    drop_view := 'DROP VIEW IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>."' ||
      REPLACE(owned_view.TABLE_NAME, '"', '""') || '"';
    EXECUTE IMMEDIATE :drop_view;
  END FOR;
END;
$$;

-- A policy cannot be dropped while it is attached, and DROP TABLE does not detach it (the table stays in Time
-- Travel): detach first. DROP ALL ROW ACCESS POLICIES succeeds where none is attached
-- (https://docs.snowflake.com/en/release-notes/bcr-bundles/2023_07/bcr-1327).
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_STATE DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_RUNS DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_TARGETS DROP ALL ROW ACCESS POLICIES;
ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_OPERATION_RUNS DROP ALL ROW ACCESS POLICIES;
-- Unsetting a masking policy where none is set (GOVERNANCE=0) is not documented to succeed, so each is tried on its
-- own; a policy left attached would still make its DROP MASKING POLICY below fail.
EXECUTE IMMEDIATE $$
BEGIN
  BEGIN
    ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> MODIFY COLUMN SOURCE_URL UNSET MASKING POLICY;
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      NULL;
  END;
  BEGIN
    ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> MODIFY COLUMN METADATA UNSET MASKING POLICY;
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      NULL;
  END;
  BEGIN
    ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> MODIFY COLUMN DOCUMENT UNSET MASKING POLICY;
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      NULL;
  END;
  BEGIN
    ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS MODIFY COLUMN EXCERPT UNSET MASKING POLICY;
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      NULL;
  END;
  BEGIN
    ALTER TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES MODIFY COLUMN UPDATE_DATA UNSET MASKING POLICY;
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      NULL;
  END;
END;
$$;

DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %>;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STAGE;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TAXONOMIES;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_STATE;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INBOX;
DROP VIEW IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TARGET_HEALTH;
DROP VIEW IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_RUNS;
DROP VIEW IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILE_DOCUMENTS;
DROP VIEW IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILE_LABELS;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_STATE;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_RUNS;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_TARGETS;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_OPERATION_RUNS;
DROP TABLE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.entitlements_table %>;

DROP ROW ACCESS POLICY IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>;
DROP MASKING POLICY IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_varchar_policy %>;
DROP MASKING POLICY IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_variant_policy %>;
DROP TAG IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %>;
DROP TAG IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %>;

USE ROLE USERADMIN;
DROP ROLE IF EXISTS <% ctx.env.sensitive_reader_role %>;
DROP ROLE IF EXISTS <% ctx.env.reader_role %>;
DROP ROLE IF EXISTS <% ctx.env.operator_role %>;
DROP ROLE IF EXISTS <% ctx.env.owner_role %>;
