-- make undeploy: removes what lets the bundle run (tasks, procedures, functions, their stage, the integration,
-- the secret and the network rule). It keeps the data and what governs it: tables, tags, policies, the
-- entitlements, the views create_mixpeek_views made and the roles that own them. sql/undeploy_data.sql
-- (make undeploy PURGE=1) removes those too.
-- The database, schema and warehouse may predate the bundle, so neither file drops them.
USE ROLE <% ctx.env.owner_role %>;

DROP ALERT IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.health_alert %>;
DROP TASK IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.scheduler_task %>;
-- The two per-collection Tasks of earlier versions (replaced by the scheduler and MIXPEEK_SYNC_TARGETS).
DROP TASK IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.incremental_task %>;
DROP TASK IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.full_task %>;
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.sync_mixpeek_collection(VARCHAR, VARCHAR, VARCHAR, VARIANT);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.refresh_mixpeek_labels(VARCHAR, VARCHAR, VARIANT);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.reset_mixpeek_sync(VARCHAR, VARCHAR);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.enrich_mixpeek_documents(VARCHAR, VARCHAR, VARCHAR, VARIANT, VARCHAR);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.enrich_mixpeek_push(VARCHAR);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.create_mixpeek_views(VARCHAR, VARIANT);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.ingest_stage_files(VARCHAR, VARCHAR, VARIANT);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.add_mixpeek_target(VARCHAR, VARCHAR, VARIANT);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.change_mixpeek_target(VARCHAR, VARCHAR, VARIANT);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.pause_mixpeek_target(VARCHAR, VARCHAR, VARCHAR);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.resume_mixpeek_target(VARCHAR, VARCHAR);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.remove_mixpeek_target(VARCHAR, VARCHAR);
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.run_due_mixpeek_syncs();
DROP PROCEDURE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.unlock_mixpeek_sync(VARCHAR, VARCHAR, VARCHAR);
DROP FUNCTION IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.mixpeek_search(VARCHAR, VARIANT, VARIANT);
DROP STAGE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.stage %>;

USE ROLE ACCOUNTADMIN;
DROP INTEGRATION IF EXISTS <% ctx.env.integration %>;
REVOKE EXECUTE TASK ON ACCOUNT FROM ROLE <% ctx.env.owner_role %>;
REVOKE EXECUTE MANAGED TASK ON ACCOUNT FROM ROLE <% ctx.env.owner_role %>;

USE ROLE SECURITYADMIN;
DROP SECRET IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.secret %>;
DROP NETWORK RULE IF EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.network_rule %>;
