-- Step 5 of the deploy (ACCOUNTADMIN, the only step that needs it): the account-level objects.
-- The external access integration names exactly the bundle's network rule and secret; ACCOUNTADMIN owns it, and the
-- owner role may only USE it and run tasks. Created once, then set, so a rerun never drops the grant procedures
-- depend on.
USE ROLE ACCOUNTADMIN;

CREATE EXTERNAL ACCESS INTEGRATION IF NOT EXISTS <% ctx.env.integration %>
  ALLOWED_NETWORK_RULES = (<% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.network_rule %>)
  ALLOWED_AUTHENTICATION_SECRETS = (<% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.secret %>)
  ENABLED = TRUE
  COMMENT = 'Mixpeek bundle: lets its procedures reach the Mixpeek API with its API key';
ALTER EXTERNAL ACCESS INTEGRATION <% ctx.env.integration %> SET
  ALLOWED_NETWORK_RULES = (<% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.network_rule %>)
  ALLOWED_AUTHENTICATION_SECRETS = (<% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.secret %>)
  ENABLED = TRUE;

GRANT USAGE ON INTEGRATION <% ctx.env.integration %> TO ROLE <% ctx.env.owner_role %>;
GRANT EXECUTE TASK ON ACCOUNT TO ROLE <% ctx.env.owner_role %>;
-- The scheduler Task is serverless unless env scheduler_warehouse names a warehouse (sql/60_tasks.sql)
-- (https://docs.snowflake.com/en/user-guide/tasks-intro#serverless-tasks).
GRANT EXECUTE MANAGED TASK ON ACCOUNT TO ROLE <% ctx.env.owner_role %>;
