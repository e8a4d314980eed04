"""Enrich: Snowflake attributes pushed into Mixpeek document metadata."""
