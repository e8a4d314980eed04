-- Step 1 of the deploy (USERADMIN): the bundle's four roles and their hierarchy.
-- owner      owns every object of the bundle; the procedures run with its rights.
-- operator   may CALL the procedures and run, suspend and watch the tasks.
-- reader     may SELECT the tables (sensitive columns masked) and use the functions.
-- sensitive  a reader that also sees the masked columns (source URLs, metadata, raw documents).
-- Nothing is granted to PUBLIC. Grant operator/reader/sensitive to people or service roles yourself.
USE ROLE USERADMIN;

CREATE ROLE IF NOT EXISTS <% ctx.env.owner_role %>
  COMMENT = 'Mixpeek bundle: owns its procedures, tables, policies and tasks';
CREATE ROLE IF NOT EXISTS <% ctx.env.operator_role %>
  COMMENT = 'Mixpeek bundle: calls the sync procedures and operates the tasks';
CREATE ROLE IF NOT EXISTS <% ctx.env.reader_role %>
  COMMENT = 'Mixpeek bundle: reads the synced tables, sensitive columns masked';
CREATE ROLE IF NOT EXISTS <% ctx.env.sensitive_reader_role %>
  COMMENT = 'Mixpeek bundle: reads the synced tables including source URLs, metadata and raw documents';

GRANT ROLE <% ctx.env.reader_role %> TO ROLE <% ctx.env.sensitive_reader_role %>;
GRANT ROLE <% ctx.env.sensitive_reader_role %> TO ROLE <% ctx.env.owner_role %>;
GRANT ROLE <% ctx.env.operator_role %> TO ROLE <% ctx.env.owner_role %>;
GRANT ROLE <% ctx.env.owner_role %> TO ROLE SYSADMIN;
