"""The shipped bundle: Snowpark procedures and table functions that connect Mixpeek and Snowflake."""
