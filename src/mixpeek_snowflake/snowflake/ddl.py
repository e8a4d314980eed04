"""The CREATE TABLE text of a table spec: quoted names, types, nullability and comments."""

from __future__ import annotations

from dataclasses import replace

from mixpeek_snowflake.snowflake.identifiers import TableName, quote
from mixpeek_snowflake.snowflake.tables import Column, TableSpec


def _literal(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "''") + "'"


def _column_ddl(column: Column) -> str:
    null = " NOT NULL" if column.not_null else ""
    return f"{quote(column.name)} {column.type}{null} COMMENT {_literal(column.comment)}"


def create_table(spec: TableSpec, table: TableName) -> str:
    """CREATE TABLE IF NOT EXISTS with every column, type and comment of the spec."""
    kind = "TRANSIENT TABLE" if spec.transient else "TABLE"
    columns = ",\n  ".join(_column_ddl(c) for c in spec.columns)
    return f"CREATE {kind} IF NOT EXISTS {table.sql} (\n  {columns}\n) COMMENT = {_literal(spec.comment)}"


def add_column(column: Column, table: TableName) -> str:
    """ALTER TABLE … ADD COLUMN IF NOT EXISTS for a nullable column an older table lacks (a new one can be NOT NULL
    only with a default, so upgrades add nullable columns)."""
    return f"ALTER TABLE {table.sql} ADD COLUMN IF NOT EXISTS {_column_ddl(replace(column, not_null=False))}"
