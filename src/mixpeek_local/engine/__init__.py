"""The local Snowflake engine: fakesnow's server behind a real Snowpark Session, and the fixes it needs."""
