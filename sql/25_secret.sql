-- Step 4 of the deploy (SECURITYADMIN): the Mixpeek API key as a secret SECURITYADMIN owns; the owner role may READ it.
-- make deploy reads the key from MIXPEEK_API_KEY_FILE or standard input, never from its command line.
-- Rerunning this file with a new value rotates the key; the procedures read it on their next call.
USE ROLE SECURITYADMIN;

CREATE SECRET IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.secret %>
  TYPE = GENERIC_STRING
  SECRET_STRING = '<% mixpeek_api_key %>'
  COMMENT = 'Mixpeek bundle: Mixpeek API key, read by the procedures as mixpeek_api_key';
ALTER SECRET <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.secret %>
  SET SECRET_STRING = '<% mixpeek_api_key %>';
GRANT READ ON SECRET <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.secret %> TO ROLE <% ctx.env.owner_role %>;
