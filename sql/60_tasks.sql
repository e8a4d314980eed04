-- Step 10 of the deploy (owner role): the one scheduler Task. Every run calls run_due_mixpeek_syncs(), which syncs
-- each enabled target of MIXPEEK_SYNC_TARGETS that is due (add them with add_mixpeek_target: docs/operations.md).
-- Created SUSPENDED, it runs as the owner role. CREATE OR ALTER TASK makes a redeploy update the definition, schedule
-- and settings in place, leaving whether it is resumed alone
-- (https://docs.snowflake.com/en/sql-reference/sql/create-task#create-or-alter-task). Until the 2026_06 behaviour
-- bundle, ALTER (so CREATE OR ALTER) fails on a resumed task: suspend it, redeploy, resume it
-- (https://docs.snowflake.com/en/release-notes/bcr-bundles/2026_06/bcr-2363).
-- Serverless by default (env scheduler_warehouse empty: Snowflake sizes the compute, starting at warehouse_size;
-- needs EXECUTE MANAGED TASK, sql/30_integration.sql); set scheduler_warehouse to run it on a warehouse instead
-- (https://docs.snowflake.com/en/user-guide/tasks-intro#serverless-tasks). QUERY_TAG marks every query it runs, the
-- syncs' included, for cost attribution in QUERY_HISTORY (https://docs.snowflake.com/en/sql-reference/parameters#query-tag).
-- OVERLAP_POLICY = NO_OVERLAP replaces the deprecated ALLOW_OVERLAPPING_EXECUTION = FALSE
-- (https://docs.snowflake.com/en/release-notes/2026/other/2026-03-13-tasks-overlap-policy). USER_TASK_TIMEOUT_MS is
-- kept below the sync's lease (lease_seconds, default 3600 s) so a timed-out run's lease lapses before the next
-- run is due, and that run can take over (marking the stuck one ABANDONED).
-- A failing target does not fail the Task (the others still run); it shows in MIXPEEK_TARGET_HEALTH and the alert
-- (sql/65_health.sql). The Task fails when the scheduler cannot run at all, and suspends after
-- task_failures_before_suspend such runs in a row.
--   ALTER TASK … RESUME;  EXECUTE TASK …;  SELECT … FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => '…'));
USE ROLE <% ctx.env.owner_role %>;

CREATE OR ALTER TASK <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.scheduler_task %>
  <% ("USER_TASK_MANAGED_INITIAL_WAREHOUSE_SIZE = '" ~ ctx.env.warehouse_size ~ "'") if not ctx.env.scheduler_warehouse else 'WAREHOUSE = ' ~ ctx.env.scheduler_warehouse %>
  SCHEDULE = '<% ctx.env.scheduler_schedule %>'
  OVERLAP_POLICY = NO_OVERLAP
  SUSPEND_TASK_AFTER_NUM_FAILURES = <% ctx.env.task_failures_before_suspend %>
  TASK_AUTO_RETRY_ATTEMPTS = <% ctx.env.task_retry_attempts %>
  USER_TASK_TIMEOUT_MS = <% ctx.env.task_timeout_ms %>
  QUERY_TAG = '<% ctx.env.query_tag %>'
  COMMENT = 'Mixpeek bundle: runs the due syncs of MIXPEEK_SYNC_TARGETS'
AS
  CALL <% ctx.env.database %>.<% ctx.env.schema %>.run_due_mixpeek_syncs();

GRANT OPERATE, MONITOR ON TASK <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.scheduler_task %>
  TO ROLE <% ctx.env.operator_role %>;
