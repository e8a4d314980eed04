-- Step 2 of the deploy (SYSADMIN): database, schema and warehouse, and what each role may do in them.
-- All three are created only if missing; point env: at existing ones to reuse them (run this step with
-- the role that owns them). Undeploy never drops them.
USE ROLE SYSADMIN;

CREATE DATABASE IF NOT EXISTS <% ctx.env.database %>
  COMMENT = 'Mixpeek documents synced into Snowflake';
CREATE SCHEMA IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>
  COMMENT = 'Mixpeek bundle: procedures, governed tables, policies and tasks';
CREATE WAREHOUSE IF NOT EXISTS <% ctx.env.warehouse %>
  WAREHOUSE_SIZE = <% ctx.env.warehouse_size %>
  AUTO_SUSPEND = 60
  AUTO_RESUME = TRUE
  INITIALLY_SUSPENDED = TRUE
  COMMENT = 'Mixpeek bundle: runs the syncs and the queries on their tables';

GRANT USAGE ON DATABASE <% ctx.env.database %> TO ROLE <% ctx.env.owner_role %>;
GRANT USAGE ON DATABASE <% ctx.env.database %> TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON DATABASE <% ctx.env.database %> TO ROLE <% ctx.env.reader_role %>;

GRANT USAGE ON SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE <% ctx.env.owner_role %>;
GRANT USAGE ON SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE <% ctx.env.reader_role %>;
GRANT CREATE TABLE, CREATE VIEW, CREATE STAGE, CREATE PROCEDURE, CREATE FUNCTION, CREATE TASK
  ON SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE <% ctx.env.owner_role %>;

-- Separation of duties: SECURITYADMIN, not the owner, creates and so owns the network rule and the secret (steps 3-4).
GRANT USAGE ON DATABASE <% ctx.env.database %> TO ROLE SECURITYADMIN;
GRANT USAGE ON SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE SECURITYADMIN;
GRANT CREATE SECRET, CREATE NETWORK RULE ON SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE SECURITYADMIN;

GRANT USAGE ON WAREHOUSE <% ctx.env.warehouse %> TO ROLE <% ctx.env.owner_role %>;
GRANT USAGE ON WAREHOUSE <% ctx.env.warehouse %> TO ROLE <% ctx.env.operator_role %>;
GRANT USAGE ON WAREHOUSE <% ctx.env.warehouse %> TO ROLE <% ctx.env.reader_role %>;

-- The Streamlit app (docs/app.md) is deployed with the reader role and runs with its owner's rights, so it shows a
-- reader's view: no operator buttons, no search. `snow streamlit deploy` then needs CREATE STREAMLIT on the schema
-- and, as the reader already has, USAGE on the database, schema and warehouse. The app's files go to the stage the
-- app object carries, so no CREATE STAGE. The sensitive-reader role inherits it and can deploy a copy with Search.
GRANT CREATE STREAMLIT ON SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE <% ctx.env.reader_role %>;
