-- Step 12 of the deploy (owner role), only when a collection is given (make deploy COLLECTION=col_… NAMESPACE=ns_…):
-- that collection becomes a sync target of the scheduler (hourly incremental and daily full into target_table), or,
-- when it is one already, its namespace is set again. Resume the scheduler Task to start it (docs/operations.md).
USE ROLE <% ctx.env.owner_role %>;
USE WAREHOUSE <% ctx.env.warehouse %>;

EXECUTE IMMEDIATE $$
BEGIN
  CALL <% ctx.env.database %>.<% ctx.env.schema %>.add_mixpeek_target('<% collection_id %>',
    '<% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %>',
    OBJECT_CONSTRUCT('namespace', '<% mixpeek_namespace %>'));
EXCEPTION
  WHEN OTHER THEN
    CALL <% ctx.env.database %>.<% ctx.env.schema %>.change_mixpeek_target('<% collection_id %>',
      '<% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %>',
      OBJECT_CONSTRUCT('namespace', '<% mixpeek_namespace %>'));
END;
$$;
