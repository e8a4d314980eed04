-- Step 4 of the deploy (owner role): the Mixpeek API key as a secret the owner role owns (and so may READ).
-- The value comes only from the command line: snow sql --silent -f sql/25_secret.sql -D "mixpeek_api_key=$MIXPEEK_API_KEY".
-- Rerunning this file with a new value rotates the key; the procedures read it on their next call.
USE ROLE <% ctx.env.owner_role %>;

CREATE SECRET IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.secret %>
  TYPE = GENERIC_STRING
  SECRET_STRING = '<% mixpeek_api_key %>'
  COMMENT = 'Mixpeek bundle: Mixpeek API key, read by the procedures as mixpeek_api_key';
ALTER SECRET <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.secret %>
  SET SECRET_STRING = '<% mixpeek_api_key %>';
