"""Every enrich statement keeps the rules a procedure runs under, whatever the caller's TIMESTAMP_INPUT_FORMAT."""

from __future__ import annotations

import pytest

from mixpeek_local.engine import rules
from mixpeek_snowflake.enrich.statements import EnrichTables

TABLES = EnrichTables.in_schema("DB", "SCHEMA")
STATEMENTS = {
    "probe_state": TABLES.probe_state(),
    "stored_hashes": TABLES.stored_hashes(),
    "merge_state": TABLES.merge_state(),
    "expire_failures": TABLES.expire_failures(),
    "insert_failures": TABLES.insert_failures(),
    **{f"create {i}": ddl for i, ddl in enumerate(TABLES.creation())},
}


@pytest.mark.parametrize("name", sorted(STATEMENTS))
def test_every_statement_keeps_the_procedure_rules(name: str) -> None:
    sql = STATEMENTS[name]
    rules.check_statement(sql, None, timestamp_input_format="DD/MM/YYYY HH24:MI:SS")
