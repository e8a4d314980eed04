-- Last step of the deploy (owner role, then SECURITYADMIN for the view grants): what the operator and reader roles
-- may use. Nothing goes to PUBLIC.
-- `snow snowpark deploy` replaces procedures and functions WITH COPY GRANTS, so these grants survive upgrades.
USE ROLE <% ctx.env.owner_role %>;

-- Every procedure but enrich_mixpeek_documents is owner's rights: it runs as the owner role with the bundle's
-- integration and secret, which the owner may use (USAGE, READ) but does not own (SECURITYADMIN and ACCOUNTADMIN do,
-- steps 3-5). enrich_mixpeek_documents runs with the caller's rights and holds neither: it reads its source (a table,
-- a view or a SELECT query) as the caller, through the caller's masking and row access policies, so it can read only
-- what the caller could SELECT anyway, and hands the rows to enrich_mixpeek_push (owner's rights) through
-- MIXPEEK_INBOX, where callers may INSERT but not SELECT. The owner role needs SELECT on no source table: grant it none.
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.sync_mixpeek_collection(VARCHAR, VARCHAR, VARCHAR, VARIANT)
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.refresh_mixpeek_labels(VARCHAR, VARCHAR, VARIANT)
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.reset_mixpeek_sync(VARCHAR, VARCHAR)
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.enrich_mixpeek_documents(VARCHAR, VARCHAR, VARCHAR, VARIANT, VARCHAR)
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.enrich_mixpeek_push(VARCHAR)
  TO ROLE <% ctx.env.operator_role %>;
GRANT INSERT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INBOX TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.create_mixpeek_views(VARCHAR, VARIANT)
  TO ROLE <% ctx.env.operator_role %>;

-- mixpeek_search returns what a Mixpeek retriever returns, METADATA and the whole DOCUMENT included, for every
-- collection the retriever searches: masking and row access policies govern tables, not what a function fetches
-- from Mixpeek. So it goes to the sensitive-reader role, which sees those columns unmasked anyway.
GRANT USAGE ON FUNCTION <% ctx.env.database %>.<% ctx.env.schema %>.mixpeek_search(VARCHAR, VARIANT, VARIANT)
  TO ROLE <% ctx.env.sensitive_reader_role %>;

GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_STATE TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES TO ROLE <% ctx.env.operator_role %>;

-- Readers get the synced tables, not the enrichment's: those hold keys and values read from your own tables.
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TAXONOMIES TO ROLE <% ctx.env.reader_role %>;

-- create_mixpeek_views replaces views in the schema of the table it reads, owned by the owner role (which has
-- CREATE VIEW on the bundle schema only, step 2). Readers may SELECT every view of the bundle schema, those made
-- later included. Masking and row access policies still apply through the views, on the base columns, for the
-- role that queries. Future grants need MANAGE GRANTS, hence SECURITYADMIN. Keep the bundle schema to the bundle:
-- any view created in it becomes readable, and a schema-level future grant on views overrides database-level
-- future grants on views for this schema. Views made in another schema need grants of their own.
USE ROLE SECURITYADMIN;
GRANT SELECT ON ALL VIEWS IN SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON FUTURE VIEWS IN SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE <% ctx.env.reader_role %>;

-- ingest_stage_files (docs/ingest.md): the operator may run it and read its state and runs; readers see which stage
-- file became which object and documents. It reads stages as the owner role, which needs READ on each internal
-- stage (USAGE on an external one) it ingests, granted by the stage's owner, e.g.
--   GRANT READ ON STAGE MEDIA.RAW.PRODUCT_IMAGES TO ROLE <% ctx.env.owner_role %>;
USE ROLE <% ctx.env.owner_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.ingest_stage_files(VARCHAR, VARCHAR, VARIANT)
  TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_STATE TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_RUNS TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_STATE TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_RUNS TO ROLE <% ctx.env.reader_role %>;

-- Sync targets as configuration and the health views (docs/operations.md): the operator adds, changes, pauses,
-- resumes and removes targets, runs the due syncs now, and reads the targets, the health and every run.
USE ROLE <% ctx.env.owner_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.add_mixpeek_target(VARCHAR, VARCHAR, VARIANT)
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.change_mixpeek_target(VARCHAR, VARCHAR, VARIANT)
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.pause_mixpeek_target(VARCHAR, VARCHAR, VARCHAR)
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.resume_mixpeek_target(VARCHAR, VARCHAR)
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.remove_mixpeek_target(VARCHAR, VARCHAR)
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.run_due_mixpeek_syncs()
  TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.unlock_mixpeek_sync(VARCHAR, VARCHAR, VARCHAR)
  TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_TARGETS TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_OPERATION_RUNS TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON VIEW <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TARGET_HEALTH TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON VIEW <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_RUNS TO ROLE <% ctx.env.operator_role %>;
