-- Step 9 of the deploy (SYSADMIN grant, then the owner role; Enterprise Edition), only with ROW_ACCESS=1.
-- Once applied, a role sees the rows of a collection only when MIXPEEK_COLLECTION_ENTITLEMENTS grants it that
-- collection (COLLECTION_ID '*' means every collection). The owner role, and so the procedures and tasks, sees all.
-- ROLE_NAME must be written as Snowflake stores the role: upper case unless the role was created quoted.
-- It also filters the views create_mixpeek_views builds over these tables, for the role that queries the view.
USE ROLE SYSADMIN;
GRANT CREATE ROW ACCESS POLICY ON SCHEMA <% ctx.env.database %>.<% ctx.env.schema %> TO ROLE <% ctx.env.owner_role %>;

USE ROLE <% ctx.env.owner_role %>;
USE WAREHOUSE <% ctx.env.warehouse %>;

CREATE TABLE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.entitlements_table %> (
  ROLE_NAME VARCHAR NOT NULL COMMENT 'Account role entitled to the collection',
  COLLECTION_ID VARCHAR NOT NULL COMMENT 'Mixpeek collection id, or * for every collection',
  NOTE VARCHAR COMMENT 'Why the role is entitled'
) COMMENT = 'Which role may see the rows of which Mixpeek collection (row access policy mapping table)';

MERGE INTO <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.entitlements_table %> e
USING (SELECT '<% ctx.env.operator_role %>' AS ROLE_NAME, '*' AS COLLECTION_ID) s
  ON e.ROLE_NAME = s.ROLE_NAME AND e.COLLECTION_ID = s.COLLECTION_ID
WHEN NOT MATCHED THEN INSERT (ROLE_NAME, COLLECTION_ID, NOTE)
  VALUES (s.ROLE_NAME, s.COLLECTION_ID, 'operators watch every run');

-- Created closed and then given its body, so a rerun updates the body of the attached policy in place.
CREATE ROW ACCESS POLICY IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>
  AS (row_collection_id VARCHAR) RETURNS BOOLEAN -> FALSE
  COMMENT = 'Mixpeek bundle: a role sees the collections <% ctx.env.entitlements_table %> grants it';
ALTER ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> SET BODY ->
  IS_ROLE_IN_SESSION('<% ctx.env.owner_role %>')
  OR EXISTS (
    SELECT 1
    FROM <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.entitlements_table %> e
    WHERE (e.COLLECTION_ID = row_collection_id OR e.COLLECTION_ID = '*') AND IS_ROLE_IN_SESSION(e.ROLE_NAME)
  );

-- A table holds one row access policy. ADD attaches ours where none is attached; when it fails (ours, or another, is
-- already there), DROP and ADD in one statement re-attach ours with no moment unprotected, and fail if the policy
-- attached is another one. So a rerun needs no POLICY_REFERENCES lookup (whose visibility to the owner role is
-- unsettled). The combined DROP, ADD is ALTER TABLE's documented way to swap a table's policy
-- (https://docs.snowflake.com/en/sql-reference/sql/alter-table); tests/live reruns this file as the owner.
EXECUTE IMMEDIATE $$
BEGIN
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_STATE ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_STATE DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_ENRICH_FAILURES DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_STAGE_FILES DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_RUNS ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_RUNS DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_TARGETS ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_TARGETS DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
  BEGIN
    ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_OPERATION_RUNS ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  EXCEPTION
    WHEN STATEMENT_ERROR THEN
      ALTER TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_OPERATION_RUNS DROP ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %>, ADD ROW ACCESS POLICY <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.row_access_policy %> ON (COLLECTION_ID);
  END;
END;
$$;
