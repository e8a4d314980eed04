"""The table DDL in sql/ runs on the local engine and yields exactly the tables the procedure itself creates."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import sqlglot
from project import sqlfacts, sqlfiles
from project.entities import table_specs
from sqlglot import exp

from mixpeek_local.engine.server import close_session, local_server, open_session
from mixpeek_snowflake.enrich.statements import ENRICH_FAILURES, ENRICH_STATE
from mixpeek_snowflake.snowflake.ddl import create_table
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.tables import ALL_TABLES

DATABASE = "MIXPEEK_DDL"
FROM_SQL = "FROM_SQL"
FROM_CODE = "FROM_CODE"
TABLE_FILES = ("40_tables.sql", "55_row_access.sql")


def _table_ddl(env: dict[str, str]) -> list[str]:
    statements = [s for file in TABLE_FILES for s in sqlfiles.render(file, {}, env)]
    return [s for s in statements if sqlfacts.normalize(s).upper().startswith(("CREATE TABLE", "CREATE TRANSIENT"))]


@pytest.fixture(scope="module")
def sql_ddl() -> list[str]:
    """CREATE TABLE statements of sql/, rendered into a database and schema of the local engine."""
    return _table_ddl({"database": DATABASE, "schema": FROM_SQL})


@pytest.fixture(scope="module")
def session(sql_ddl: list[str]) -> Iterator[Any]:
    """fakesnow with the sql/ tables in FROM_SQL and the procedure's own tables in FROM_CODE."""
    with local_server() as kwargs:
        session = open_session(kwargs, DATABASE, FROM_SQL)
        try:
            session.sql(f"CREATE SCHEMA IF NOT EXISTS {DATABASE}.{FROM_CODE}").collect()
            for ddl in sql_ddl:
                session.sql(ddl).collect()
            for spec in table_specs():
                session.sql(create_table(spec, TableName(spec.name, FROM_CODE, DATABASE))).collect()
            yield session
        finally:
            close_session(session)


def _describe(session: Any, schema: str, table: str) -> list[tuple[str, str, str]]:
    rows = session.sql(f"DESCRIBE TABLE {DATABASE}.{schema}.{table}").collect()
    return [(row[0], row[1], row[3]) for row in rows]


def _shape(ddl: str) -> tuple[str, bool, str | None, tuple[tuple[str, str, bool, str | None], ...]]:
    """(table, transient, comment, columns as (name, type, not null, comment)) of a CREATE TABLE."""
    tree = sqlglot.parse_one(ddl, read="snowflake")
    properties = tree.args["properties"].expressions if tree.args.get("properties") else []
    comment = next((p.this.name for p in properties if isinstance(p, exp.SchemaCommentProperty)), None)
    columns = tuple(_column_shape(c) for c in tree.this.expressions)
    transient = any(isinstance(p, exp.TransientProperty) for p in properties)
    return tree.this.this.name.upper(), transient, comment, columns


def _column_shape(column: exp.ColumnDef) -> tuple[str, str, bool, str | None]:
    kinds = [c.args["kind"] for c in column.args.get("constraints", [])]
    comment = next((k.this.name for k in kinds if isinstance(k, exp.CommentColumnConstraint)), None)
    not_null = any(isinstance(k, exp.NotNullColumnConstraint) and not k.args.get("allow_null") for k in kinds)
    return column.name.upper(), column.args["kind"].sql("snowflake"), not_null, comment


def test_the_specs_checked_include_every_table_and_the_enrichment_tables() -> None:
    names = [spec.name for spec in table_specs()]
    assert len(names) == len(set(names))
    assert {spec.name for spec in (*ALL_TABLES, ENRICH_STATE, ENRICH_FAILURES)} <= set(names)


def test_sql_creates_every_table_the_package_defines(sql_ddl: list[str]) -> None:
    created = {_shape(ddl)[0] for ddl in sql_ddl}
    assert {spec.name for spec in table_specs()} <= created


def test_the_sql_tables_have_the_columns_types_and_nullability_the_code_writes(session: Any) -> None:
    for spec in table_specs():
        from_sql = _describe(session, FROM_SQL, spec.name)
        assert [name for name, _, _ in from_sql] == spec.column_names, spec.name
        assert from_sql == _describe(session, FROM_CODE, spec.name), spec.name


def test_the_sql_tables_have_the_comments_and_kind_the_code_declares(sql_ddl: list[str]) -> None:
    shapes = {shape[0]: shape for shape in map(_shape, sql_ddl)}
    for spec in table_specs():
        assert shapes[spec.name] == _shape(create_table(spec, TableName(spec.name, FROM_CODE, DATABASE))), spec.name


def test_rerunning_the_table_ddl_keeps_the_rows(session: Any, sql_ddl: list[str]) -> None:
    runs = f"{DATABASE}.{FROM_SQL}.MIXPEEK_SYNC_RUNS"
    session.sql(f"INSERT INTO {runs} (RUN_ID, STATUS) SELECT 'run_1', 'SUCCEEDED'").collect()
    for ddl in sql_ddl:
        session.sql(ddl).collect()
    assert session.sql(f"SELECT RUN_ID FROM {runs}").collect()[0][0] == "run_1"
