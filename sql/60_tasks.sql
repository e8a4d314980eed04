-- Step 10 of the deploy (owner role), only when a collection is given: example schedules for one collection.
-- Run with -D collection_id=col_… -D mixpeek_namespace=ns_… (make deploy COLLECTION=… NAMESPACE=…).
-- Both tasks are created SUSPENDED and run as the owner role. CREATE OR ALTER TASK makes a rerun update an existing
-- task's definition, schedule and settings in place, leaving whether it is resumed alone
-- (https://docs.snowflake.com/en/sql-reference/sql/create-task#create-or-alter-task). Until the 2026_06 behaviour
-- bundle, ALTER (so CREATE OR ALTER) fails on a resumed task: suspend both, rerun, resume them
-- (https://docs.snowflake.com/en/release-notes/bcr-bundles/2026_06/bcr-2363).
-- OVERLAP_POLICY = NO_OVERLAP replaces the deprecated ALLOW_OVERLAPPING_EXECUTION = FALSE
-- (https://docs.snowflake.com/en/release-notes/2026/other/2026-03-13-tasks-overlap-policy). USER_TASK_TIMEOUT_MS is
-- kept below the sync's lease (lease_seconds, default 3600 s) so a timed-out run's lease lapses before the next
-- run is due, and that run can take over (marking the stuck one ABANDONED).
-- Resume, run once and watch them with the commands in the README:
--   ALTER TASK … RESUME;  EXECUTE TASK …;  SELECT … FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => '…'));
-- To be notified of failures, create a notification integration and
--   ALTER TASK … SET ERROR_INTEGRATION = <your notification integration>;
USE ROLE <% ctx.env.owner_role %>;

CREATE OR ALTER TASK <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.incremental_task %>
  WAREHOUSE = <% ctx.env.warehouse %>
  SCHEDULE = '<% ctx.env.incremental_schedule %>'
  OVERLAP_POLICY = NO_OVERLAP
  SUSPEND_TASK_AFTER_NUM_FAILURES = <% ctx.env.task_failures_before_suspend %>
  TASK_AUTO_RETRY_ATTEMPTS = <% ctx.env.task_retry_attempts %>
  USER_TASK_TIMEOUT_MS = <% ctx.env.task_timeout_ms %>
  COMMENT = 'Mixpeek bundle: incremental sync of <% collection_id %> on a schedule'
AS
  CALL <% ctx.env.database %>.<% ctx.env.schema %>.sync_mixpeek_collection(
    '<% collection_id %>',
    '<% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %>',
    'incremental',
    OBJECT_CONSTRUCT('namespace', '<% mixpeek_namespace %>')
  );

CREATE OR ALTER TASK <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.full_task %>
  WAREHOUSE = <% ctx.env.warehouse %>
  SCHEDULE = '<% ctx.env.full_schedule %>'
  OVERLAP_POLICY = NO_OVERLAP
  SUSPEND_TASK_AFTER_NUM_FAILURES = <% ctx.env.task_failures_before_suspend %>
  TASK_AUTO_RETRY_ATTEMPTS = <% ctx.env.task_retry_attempts %>
  USER_TASK_TIMEOUT_MS = <% ctx.env.task_timeout_ms %>
  COMMENT = 'Mixpeek bundle: daily full reconciliation of <% collection_id %> (marks deleted documents)'
AS
  CALL <% ctx.env.database %>.<% ctx.env.schema %>.sync_mixpeek_collection(
    '<% collection_id %>',
    '<% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %>',
    'full',
    OBJECT_CONSTRUCT('namespace', '<% mixpeek_namespace %>')
  );

GRANT OPERATE, MONITOR ON TASK <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.incremental_task %>
  TO ROLE <% ctx.env.operator_role %>;
GRANT OPERATE, MONITOR ON TASK <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.full_task %>
  TO ROLE <% ctx.env.operator_role %>;
