-- Step 11 of the deploy (owner role): the health views and, when the deployer names a notification integration
-- (env alert_integration), an alert. Views hold no data, so CREATE OR REPLACE ... COPY GRANTS updates them in place
-- on a redeploy and keeps their grants (https://docs.snowflake.com/en/sql-reference/sql/create-view). Their text is
-- the one mixpeek_snowflake.operate.statements.health_views builds (tests/project checks they are the same).
-- MIXPEEK_TARGET_HEALTH: one row per configured target (MIXPEEK_SYNC_TARGETS): the newest run, the last success, the
--   lag since then (seconds), failed runs since the last success, the rows at the last commit, the rejects kept, the
--   newest error and IS_STALE (enabled and lagging more than STALE_AFTER_SECONDS: the target's option, else 2 h for
--   an hourly target and 2 days for a daily one). Dry runs and label refreshes do not count.
-- MIXPEEK_RUNS: every run of every procedure (KIND sync, label_refresh, enrich, views, ingest), newest first when
--   ordered by STARTED_AT.
USE ROLE <% ctx.env.owner_role %>;

CREATE OR REPLACE VIEW <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TARGET_HEALTH COPY GRANTS COMMENT = 'Per sync target: last run, last success, lag, failures in a row, rows, rejects, last error, stale'
  AS WITH sync_runs AS (SELECT RUN_ID, COLLECTION_ID, TARGET_TABLE, STATUS, STARTED_AT, FINISHED_AT, ERROR
  FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS
  WHERE MODE IN ('incremental', 'full') AND NOT COALESCE(DRY_RUN, FALSE)),
latest AS (SELECT COLLECTION_ID, TARGET_TABLE, RUN_ID, STATUS, STARTED_AT
  FROM sync_runs
  QUALIFY ROW_NUMBER() OVER (PARTITION BY COLLECTION_ID, TARGET_TABLE ORDER BY STARTED_AT DESC, RUN_ID DESC) = 1),
succeeded AS (SELECT COLLECTION_ID, TARGET_TABLE, MAX(FINISHED_AT) AS LAST_SUCCESS_AT, MAX(STARTED_AT) AS LAST_SUCCESS_STARTED_AT
  FROM sync_runs
  WHERE STATUS = 'SUCCEEDED'
  GROUP BY COLLECTION_ID, TARGET_TABLE),
failures AS (SELECT r.COLLECTION_ID, r.TARGET_TABLE, COUNT(*) AS FAILURES
  FROM sync_runs r
  LEFT JOIN succeeded x ON x.COLLECTION_ID = r.COLLECTION_ID AND x.TARGET_TABLE = r.TARGET_TABLE
  WHERE r.STATUS IN ('FAILED', 'ABANDONED')
  AND (x.LAST_SUCCESS_STARTED_AT IS NULL OR r.STARTED_AT > x.LAST_SUCCESS_STARTED_AT)
  GROUP BY r.COLLECTION_ID, r.TARGET_TABLE),
errors AS (SELECT COLLECTION_ID, TARGET_TABLE, ERROR AS LAST_ERROR, FINISHED_AT AS LAST_ERROR_AT
  FROM sync_runs
  WHERE ERROR IS NOT NULL AND STATUS IN ('FAILED', 'ABANDONED', 'CANCELLED')
  QUALIFY ROW_NUMBER() OVER (PARTITION BY COLLECTION_ID, TARGET_TABLE ORDER BY STARTED_AT DESC, RUN_ID DESC) = 1),
kept_rejects AS (SELECT COLLECTION_ID, TARGET_TABLE, COUNT(*) AS REJECTS
  FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS
  GROUP BY COLLECTION_ID, TARGET_TABLE)
  SELECT t.COLLECTION_ID, t.TARGET_TABLE, t.ENABLED, t.PAUSED_REASON, t.SCHEDULE, l.RUN_ID AS LAST_RUN_ID, l.STATUS AS LAST_STATUS, l.STARTED_AT AS LAST_RUN_STARTED_AT, s.LAST_SUCCESS_AT, DATEDIFF('second', COALESCE(s.LAST_SUCCESS_AT, t.CREATED_AT), SYSDATE()) AS LAG_SECONDS, COALESCE(f.FAILURES, 0) AS CONSECUTIVE_FAILURES, st.TARGET_ROWS AS DOCUMENTS, COALESCE(j.REJECTS, 0) AS REJECTS, e.LAST_ERROR, e.LAST_ERROR_AT, COALESCE(t.STALE_AFTER_SECONDS, IFF(CONTAINS(t.SCHEDULE, 'hourly_incremental'), 7200, 172800)) AS STALE_AFTER_SECONDS, (t.ENABLED AND DATEDIFF('second', COALESCE(s.LAST_SUCCESS_AT, t.CREATED_AT), SYSDATE()) > COALESCE(t.STALE_AFTER_SECONDS, IFF(CONTAINS(t.SCHEDULE, 'hourly_incremental'), 7200, 172800))) AS IS_STALE, t.NEXT_INCREMENTAL_AT, t.NEXT_FULL_AT
  FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_TARGETS t
  LEFT JOIN latest l ON l.COLLECTION_ID = t.COLLECTION_ID AND l.TARGET_TABLE = t.TARGET_TABLE
  LEFT JOIN succeeded s ON s.COLLECTION_ID = t.COLLECTION_ID AND s.TARGET_TABLE = t.TARGET_TABLE
  LEFT JOIN failures f ON f.COLLECTION_ID = t.COLLECTION_ID AND f.TARGET_TABLE = t.TARGET_TABLE
  LEFT JOIN errors e ON e.COLLECTION_ID = t.COLLECTION_ID AND e.TARGET_TABLE = t.TARGET_TABLE
  LEFT JOIN <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE st ON st.COLLECTION_ID = t.COLLECTION_ID AND st.TARGET_TABLE = t.TARGET_TABLE
  LEFT JOIN kept_rejects j ON j.COLLECTION_ID = t.COLLECTION_ID AND j.TARGET_TABLE = t.TARGET_TABLE;

CREATE OR REPLACE VIEW <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_RUNS COPY GRANTS COMMENT = 'Every run of every Mixpeek procedure: sync, label_refresh, enrich, views, ingest' AS SELECT IFF(MODE = 'labels', 'label_refresh', 'sync') AS KIND, RUN_ID, COLLECTION_ID, TARGET_TABLE AS TARGET, MODE, STATUS, DRY_RUN, STARTED_AT, FINISHED_AT, DOCUMENTS_SEEN AS DOCUMENTS, REJECTED AS FAILED, ERROR, USER_NAME, ROLE_NAME
  FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS
  UNION ALL SELECT KIND, RUN_ID, COLLECTION_ID, TARGET, CAST(NULL AS VARCHAR) AS MODE, STATUS, DRY_RUN, STARTED_AT, FINISHED_AT, DOCUMENTS, FAILED, ERROR, USER_NAME, ROLE_NAME
  FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_OPERATION_RUNS
  UNION ALL SELECT 'ingest' AS KIND, RUN_ID, COLLECTION_ID, STAGE AS TARGET, MODE, STATUS, DRY_RUN, STARTED_AT, FINISHED_AT, DOCUMENTS_SEEN AS DOCUMENTS, REJECTED AS FAILED, ERROR, USER_NAME, ROLE_NAME
  FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_INGEST_RUNS;

-- The alert: every alert_schedule, when a sync run failed since the alert last ran, or a target is stale, it sends one
-- notification through the integration named by alert_integration (email, webhook or queue:
-- https://docs.snowflake.com/en/user-guide/notifications/about-notifications) pointing at MIXPEEK_TARGET_HEALTH. With
-- alert_integration empty the block does nothing. CREATE OR ALTER ALERT updates an existing alert in place
-- (https://docs.snowflake.com/en/sql-reference/sql/create-alert); it is resumed here because an alert is created
-- suspended. The owner role needs EXECUTE ALERT on the account, and USAGE on the integration:
--   GRANT EXECUTE ALERT ON ACCOUNT TO ROLE <owner_role>;  GRANT USAGE ON INTEGRATION <alert_integration> TO ROLE <owner_role>;
-- SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME() (TIMESTAMP_LTZ, turned into UTC like the run log's TIMESTAMP_NTZ
-- columns) keeps a failure from being reported twice
-- (https://docs.snowflake.com/en/user-guide/alerts#specifying-timestamps-based-on-alert-schedules).
EXECUTE IMMEDIATE $$
BEGIN
  IF ('<% ctx.env.alert_integration %>' = '') THEN
    RETURN 'no health alert: alert_integration is empty';
  END IF;
  CREATE OR ALTER ALERT <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.health_alert %>
    WAREHOUSE = <% ctx.env.warehouse %>
    SCHEDULE = '<% ctx.env.alert_schedule %>'
    COMMENT = 'Mixpeek bundle: a sync failed or a target is stale (MIXPEEK_TARGET_HEALTH)'
    IF (EXISTS (
      SELECT 1 FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TARGET_HEALTH
      WHERE IS_STALE
        OR (LAST_STATUS = 'FAILED' AND LAST_RUN_STARTED_AT > CONVERT_TIMEZONE('UTC',
            COALESCE(SNOWFLAKE.ALERT.LAST_SUCCESSFUL_SCHEDULED_TIME(), '1970-01-01'::TIMESTAMP_LTZ))::TIMESTAMP_NTZ)
    ))
    THEN
      CALL SYSTEM$SEND_SNOWFLAKE_NOTIFICATION(
        SNOWFLAKE.NOTIFICATION.TEXT_PLAIN('Mixpeek: a sync target is stale or its newest run failed. See: SELECT * ' ||
          'FROM <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TARGET_HEALTH WHERE IS_STALE OR LAST_STATUS = ''FAILED'';'),
        SNOWFLAKE.NOTIFICATION.INTEGRATION('<% ctx.env.alert_integration %>'));
  ALTER ALERT <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.health_alert %> RESUME;
  RETURN 'health alert <% ctx.env.health_alert %> resumed';
END;
$$;
