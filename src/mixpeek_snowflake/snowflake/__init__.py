"""The Snowflake side: the session seam, identifiers, table specs and DDL, timestamps, binds and secrets."""
