-- Last step of the deploy (owner role): what the operator and reader roles may use. Nothing goes to PUBLIC.
-- `snow snowpark deploy` replaces procedures WITH COPY GRANTS, so these grants survive upgrades.
USE ROLE <% ctx.env.owner_role %>;

GRANT USAGE ON PROCEDURE <% ctx.env.database %>.<% ctx.env.schema %>.sync_mixpeek_collection(VARCHAR, VARCHAR, VARCHAR, VARIANT)
  TO ROLE <% ctx.env.operator_role %>;

GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE TO ROLE <% ctx.env.operator_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS TO ROLE <% ctx.env.operator_role %>;

GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.target_table %> TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_RUNS TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_STATE TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_SYNC_REJECTS TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_DOCUMENT_LABELS TO ROLE <% ctx.env.reader_role %>;
GRANT SELECT ON TABLE <% ctx.env.database %>.<% ctx.env.schema %>.MIXPEEK_TAXONOMIES TO ROLE <% ctx.env.reader_role %>;
