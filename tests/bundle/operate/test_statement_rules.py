"""Every statement of the target procedures, the health views and the operation log keeps the rules a procedure
runs under (no LIMIT ?, one statement per text, named timestamp formats), whatever TIMESTAMP_INPUT_FORMAT is."""

from __future__ import annotations

import pytest

from mixpeek_local.engine import rules
from mixpeek_snowflake.operate.statements import (
    LeaseTables,
    TargetTables,
    health_tables,
    health_views,
    quoted_schema,
)
from mixpeek_snowflake.snowflake import operation_log
from mixpeek_snowflake.snowflake.identifiers import TableName

TARGETS = TargetTables.in_schema("DB", "SCHEMA")
LEASES = LeaseTables.beside(TableName("DOCS", "SCHEMA", "DB"))
RUNS = TableName("MIXPEEK_OPERATION_RUNS", "SCHEMA", "DB")
STATEMENTS = {
    **{name: getattr(TARGETS, name)() for name in ("exists", "create", "add", "read", "read_after", "change")},
    **{name: getattr(TARGETS, name)() for name in ("pause", "resume", "remove", "scheduled")},
    **{f"lease {name}": getattr(LEASES, name)() for name in ("exists", "lease", "release", "abandon")},
    "log exists": operation_log.table_exists(RUNS),
    "log insert": operation_log.insert_run(RUNS),
    "log finish": operation_log.finish_run(RUNS),
    **{f"health {i}": sql for i, sql in enumerate(health_tables("DB", "SCHEMA"))},
    **{f"view {i}": sql for i, sql in enumerate(health_views(quoted_schema("DB", "SCHEMA")))},
}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_every_statement_keeps_the_procedure_rules(name: str) -> None:
    rules.check_statement(STATEMENTS[name], None, timestamp_input_format="DD/MM/YYYY HH24:MI:SS")


def test_the_target_pages_inline_their_row_count() -> None:
    assert TARGETS.read_after().endswith(" LIMIT 100")
