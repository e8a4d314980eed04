-- Step 10 of the deploy (owner role), only when a collection is given: example schedules for one collection.
-- Run with -D collection_id=col_… -D mixpeek_namespace=ns_… (make deploy COLLECTION=… NAMESPACE=…).
-- Both tasks are created SUSPENDED and run as the owner role; a rerun leaves existing tasks (and whether they
-- are resumed) alone. Resume, run once and watch them with the commands in the README:
--   ALTER TASK … RESUME;  EXECUTE TASK …;  SELECT … FROM TABLE(INFORMATION_SCHEMA.TASK_HISTORY(TASK_NAME => '…'));
-- To be notified of failures, create a notification integration and
--   ALTER TASK … SET ERROR_INTEGRATION = <your notification integration>;
USE ROLE <% ctx.env.owner_role %>;

CREATE TASK IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.incremental_task %>
  WAREHOUSE = <% ctx.env.warehouse %>
  SCHEDULE = '<% ctx.env.incremental_schedule %>'
  ALLOW_OVERLAPPING_EXECUTION = FALSE
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

CREATE TASK IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.full_task %>
  WAREHOUSE = <% ctx.env.warehouse %>
  SCHEDULE = '<% ctx.env.full_schedule %>'
  ALLOW_OVERLAPPING_EXECUTION = FALSE
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
