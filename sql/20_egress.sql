-- Step 3 of the deploy (SECURITYADMIN): the network rule allowing egress to the Mixpeek API host only.
-- SECURITYADMIN owns it, so the owner role, whose procedures make the requests, cannot widen it.
-- Created once, then its host list is set, so a rerun updates it in place while the integration uses it.
USE ROLE SECURITYADMIN;

CREATE NETWORK RULE IF NOT EXISTS <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.network_rule %>
  MODE = EGRESS
  TYPE = HOST_PORT
  VALUE_LIST = ('<% ctx.env.api_host %>')
  COMMENT = 'Mixpeek bundle: HTTPS egress to the Mixpeek API and nowhere else';
ALTER NETWORK RULE <% ctx.env.database %>.<% ctx.env.schema %>.<% ctx.env.network_rule %>
  SET VALUE_LIST = ('<% ctx.env.api_host %>');
