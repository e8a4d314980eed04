"""The one staging statement of table-function staging: the text a real account runs, checked piece by piece."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from mixpeek_local.engine import rules
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.snowflake.tables import STAGE
from mixpeek_snowflake.sync.statements import SyncTables

ROOT = Path(__file__).resolve().parents[3]
TABLES = SyncTables.beside(TableName.parse("MY_DB.MY_SCHEMA.MIXPEEK_DOCUMENTS"))


def _signature() -> list[tuple[str, str]]:
    entity = yaml.safe_load((ROOT / "snowflake.yml").read_text())["entities"]["mixpeek_fetch_documents"]
    return [(a["name"], a["type"]) for a in entity["signature"]]


def test_the_listing_comes_from_the_table_function_over_one_row_per_partition_index() -> None:
    statement = TABLES.stage_fetched(8)
    source = (
        "FROM (SELECT ROW_NUMBER() OVER (ORDER BY SEQ4()) - 1 AS P FROM TABLE(GENERATOR(ROWCOUNT => 8))) g, "
        "TABLE(MIXPEEK_FETCH_DOCUMENTS(?::VARCHAR, PARSE_JSON(?), g.P, 8, ?::VARCHAR, ?::VARCHAR, ?::FLOAT) "
        "OVER (PARTITION BY g.P)) f) r"
    )
    assert statement.startswith('INSERT INTO "MY_DB"."MY_SCHEMA"."MIXPEEK_SYNC_STAGE" (')
    assert statement.endswith(source)
    assert statement.count("?") == 2 + len(_signature()) - 2


def test_the_call_passes_the_deployed_signature_in_order() -> None:
    call = re.search(r"MIXPEEK_FETCH_DOCUMENTS\((.*?)\) OVER", TABLES.stage_fetched(3))
    assert call is not None
    arguments = call.group(1).split(", ")
    expected = {"VARCHAR": "?::VARCHAR", "VARIANT": "PARSE_JSON(?)", "FLOAT": "?::FLOAT"}
    for (name, kind), argument in zip(_signature(), arguments, strict=True):
        if name == "partition":
            assert argument == "g.P"
        elif name == "partitions":
            assert argument == "3"
        else:
            assert argument == expected[kind], name


def test_it_fills_every_stage_column_but_none_twice() -> None:
    columns = TABLES.stage_fetched(2).split(" (", 1)[1].split(") SELECT", 1)[0].split(", ")
    assert sorted(columns) == sorted(STAGE.column_names)


def test_it_obeys_the_procedure_rules_the_strict_engine_checks() -> None:
    rules.check_statement(TABLES.stage_fetched(256), ["r", 0, "col", "{}", "https://api.mixpeek.com", None, None])
    assert "LIMIT" not in TABLES.stage_fetched(4)


@pytest.mark.parametrize("count", [0, 257, True, 2.0])
def test_a_partition_count_outside_1_to_256_is_never_inlined(count: object) -> None:
    with pytest.raises(ValueError, match="partitions"):
        TABLES.stage_fetched(count)  # type: ignore[arg-type]


def test_the_summaries_are_read_back_in_one_statement() -> None:
    assert TABLES.fetch_summaries() == (
        'SELECT EXCERPT FROM "MY_DB"."MY_SCHEMA"."MIXPEEK_SYNC_STAGE" WHERE RUN_ID = ? AND OP = \'S\' ORDER BY SEQ'
    )
