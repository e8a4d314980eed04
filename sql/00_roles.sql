-- Step 1 of the deploy (USERADMIN): the bundle's four roles and their hierarchy (docs/security.md).
-- owner      owns the procedures, tables, policies and tasks; the procedures run with its rights. It uses the network
--            rule, secret and integration but does not own them: SECURITYADMIN owns the rule and the secret,
--            ACCOUNTADMIN the integration, so the role that runs the code cannot change where it connects.
-- operator   may CALL the procedures and run, suspend and watch the tasks.
-- reader     may SELECT the tables (sensitive columns masked) and use the functions.
-- sensitive  a reader that also sees the masked columns (source URLs, metadata, raw documents).
-- The owner is granted to SYSADMIN (so SYSADMIN manages its objects) but does not inherit the sensitive role, and the
-- masking policies exempt the owner only in a session without SYSADMIN: a SYSADMIN session sees masked values.
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
GRANT ROLE <% ctx.env.operator_role %> TO ROLE <% ctx.env.owner_role %>;
GRANT ROLE <% ctx.env.owner_role %> TO ROLE SYSADMIN;
