-- Step 8 of the deploy (SYSADMIN grants, then the owner role; Enterprise Edition). Skip with GOVERNANCE=0.
-- Tags say where each table comes from and how sensitive each column is; masking policies show the sensitive
-- columns only to the sensitive-reader role and to the owner role in a session without SYSADMIN (the procedures and
-- tasks run as the owner). SYSADMIN inherits the owner role to manage its objects, so a SYSADMIN (or ACCOUNTADMIN)
-- session sees masked values; grant the sensitive-reader role to whoever must see them (docs/security.md).
-- Policies are created closed and then given their body: CREATE OR REPLACE cannot replace an attached policy,
-- so a rerun updates the body in place.
-- Sensitive: the documents' source URLs, user metadata and raw JSON, the excerpts of rejected documents, and the
-- values an enrichment could not push (MIXPEEK_ENRICH_FAILURES.UPDATE_DATA: business data read from the source,
-- bound for Mixpeek metadata, which is itself sensitive once synced back into METADATA). Taxonomy labels, run and
-- state bookkeeping, and enrichment keys are internal: KEY_VALUE stays readable so an operator can find the source
-- row to fix; when your key column is personal data, mask it too (ALTER TABLE … MODIFY COLUMN KEY_VALUE SET
-- MASKING POLICY <mask_varchar_policy>) on MIXPEEK_ENRICH_STATE and MIXPEEK_ENRICH_FAILURES.
-- The policies act wherever the columns are read, views included: a view create_mixpeek_views builds over the
-- documents table shows a reader the masked SOURCE_URL and METADATA, NULL for every column it extracts from the
-- masked DOCUMENT and no rows in its child views; the sensitive-reader role sees them all.
USE ROLE SYSADMIN;
GRANT CREATE TAG, CREATE MASKING POLICY ON SCHEMA <% ctx.env.database %>.<% ctx.env.schema %>
  TO ROLE <% ctx.env.owner_role %>;

USE ROLE <% ctx.env.owner_role %>;

CREATE TAG IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %>
  ALLOWED_VALUES 'mixpeek'
  COMMENT = 'System the rows of a table come from';
CREATE TAG IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %>
  ALLOWED_VALUES 'internal', 'sensitive'
  COMMENT = 'internal: operational data; sensitive: source URLs, user metadata or document content';

CREATE MASKING POLICY IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_varchar_policy %>
  AS (val VARCHAR) RETURNS VARCHAR -> NULL
  COMMENT = 'Mixpeek bundle: sensitive text visible to the sensitive-reader role and the procedures only';
ALTER MASKING POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_varchar_policy %> SET BODY ->
  CASE
    WHEN IS_ROLE_IN_SESSION('<% ctx.env.sensitive_reader_role %>')
      OR (IS_ROLE_IN_SESSION('<% ctx.env.owner_role %>') AND NOT IS_ROLE_IN_SESSION('SYSADMIN'))
      THEN val
    ELSE '***MASKED***'
  END;

CREATE MASKING POLICY IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_variant_policy %>
  AS (val VARIANT) RETURNS VARIANT -> NULL
  COMMENT = 'Mixpeek bundle: sensitive JSON visible to the sensitive-reader role and the procedures only';
ALTER MASKING POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_variant_policy %> SET BODY ->
  CASE
    WHEN IS_ROLE_IN_SESSION('<% ctx.env.sensitive_reader_role %>')
      OR (IS_ROLE_IN_SESSION('<% ctx.env.owner_role %>') AND NOT IS_ROLE_IN_SESSION('SYSADMIN'))
      THEN val
    ELSE TO_VARIANT('***MASKED***')
  END;

ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STAGE SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'sensitive';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TAXONOMIES SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_STATE SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INBOX SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'sensitive';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_STATE SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_RUNS SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_TARGETS SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_OPERATION_RUNS SET TAG
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.source_tag %> = 'mixpeek',
  <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'internal';

ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> MODIFY COLUMN SOURCE_URL
  SET TAG <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'sensitive';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> MODIFY COLUMN METADATA
  SET TAG <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'sensitive';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> MODIFY COLUMN DOCUMENT
  SET TAG <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'sensitive';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS MODIFY COLUMN EXCERPT
  SET TAG <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'sensitive';
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES MODIFY COLUMN UPDATE_DATA
  SET TAG <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.sensitivity_tag %> = 'sensitive';

ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> MODIFY COLUMN SOURCE_URL
  SET MASKING POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_varchar_policy %> FORCE;
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> MODIFY COLUMN METADATA
  SET MASKING POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_variant_policy %> FORCE;
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> MODIFY COLUMN DOCUMENT
  SET MASKING POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_variant_policy %> FORCE;
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS MODIFY COLUMN EXCERPT
  SET MASKING POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_varchar_policy %> FORCE;
ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES MODIFY COLUMN UPDATE_DATA
  SET MASKING POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.mask_variant_policy %> FORCE;
