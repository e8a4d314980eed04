"""The local engine's table-function runner: the statement the procedure sends is found, run with Snowflake's calling
convention in worker processes, and replaced by its rows."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import yaml

from mixpeek_local.engine import table_functions as tf
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.sync.fetch_function import OUTPUT_COLUMNS, RETURNS
from mixpeek_snowflake.sync.statements import SyncTables

ROOT = Path(__file__).resolve().parents[3]
PARAMS = ["run_1", 0, "col_x", '{"limit": 5}', "http://127.0.0.1:1", "ns_x", None]


def _statement(partitions: int) -> str:
    return SyncTables.beside(TableName.parse("DB.S.MIXPEEK_DOCUMENTS")).stage_fetched(partitions)


def test_the_runner_knows_the_handler_and_columns_snowflake_yml_deploys() -> None:
    entities = yaml.safe_load((ROOT / "snowflake.yml").read_text())["entities"]
    entity = entities["mixpeek_fetch_documents"]
    handler, returns = tf.HANDLERS["MIXPEEK_FETCH_DOCUMENTS"]
    assert handler == entity["handler"]
    assert " ".join(returns.split()) == " ".join(entity["returns"].split()) == RETURNS
    assert tuple(name for name, _ in tf._columns(returns)) == OUTPUT_COLUMNS


def test_the_call_is_found_in_the_procedure_statement_and_replaced_by_a_relation() -> None:
    statement = _statement(5)
    call = tf.find_call(statement)
    assert call is not None
    assert (call.name, call.partitions, call.first_param, call.params_used) == ("MIXPEEK_FETCH_DOCUMENTS", 5, 2, 5)
    assert call.arguments == ("?::VARCHAR", "PARSE_JSON(?)", "g.P", "5", "?::VARCHAR", "?::VARCHAR", "?::FLOAT")
    rewritten = call.rewritten(statement)
    assert "GENERATOR" not in rewritten and "MIXPEEK_FETCH_DOCUMENTS" not in rewritten
    assert rewritten.endswith(f"FROM {call.relation} f) r")
    assert rewritten.replace(f"FROM {call.relation} f", "") == statement[: call.span[0]] + statement[call.span[1] :]
    assert call.remaining_params(PARAMS) == ["run_1", 0]
    rows = call.rows_arguments(PARAMS)
    assert rows == [["col_x", {"limit": 5}, p, 5, "http://127.0.0.1:1", "ns_x", None] for p in range(5)]


def test_other_statements_are_left_to_fakesnow() -> None:
    assert tf.find_call("SELECT * FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f") is None
    other = _statement(2).replace("MIXPEEK_FETCH_DOCUMENTS", "SOME_OTHER_FUNCTION")
    assert tf.find_call(other) is None


def test_each_partition_gets_a_new_instance_in_a_worker_process_then_end_partition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MIXPEEK_API_KEY", "mxp_passed_as_the_secret")
    monkeypatch.setitem(
        tf.HANDLERS, "ECHO", ("local.engine.udtf_handlers.Echo", "TABLE(A VARCHAR, B NUMBER, C NUMBER, D VARCHAR)")
    )
    statement = _statement(3).replace(
        "MIXPEEK_FETCH_DOCUMENTS(?::VARCHAR, PARSE_JSON(?), g.P, 3, ?::VARCHAR, ?::VARCHAR, ?::FLOAT)",
        "ECHO(g.P, ?::VARCHAR)",
    )
    call = tf.find_call(statement)
    assert call is not None
    rows = tf.execute_call(call, ["run", 0, "hello"])
    by_partition = [r for r in rows if r[0] != "end"]
    ends = [r for r in rows if r[0] == "end"]
    assert sorted(r[0] for r in by_partition) == [0, 1, 2]
    assert all(r[3] == "hello" and r[1] != os.getpid() for r in by_partition)
    assert [(e[1], e[3]) for e in ends] == [(1, "mxp_passed_as_the_secret")] * 3


def test_a_failing_partition_fails_the_call_naming_it(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(tf.HANDLERS, "FAILS", ("local.engine.udtf_handlers.FailsOnTwo", "TABLE(A NUMBER)"))
    statement = _statement(4).replace(
        "MIXPEEK_FETCH_DOCUMENTS(?::VARCHAR, PARSE_JSON(?), g.P, 4, ?::VARCHAR, ?::VARCHAR, ?::FLOAT)", "FAILS(g.P)"
    )
    call = tf.find_call(statement)
    assert call is not None
    with pytest.raises(tf.TableFunctionError, match="partition 2: ValueError: partition two is broken"):
        tf.execute_call(call, ["run", 0])


def test_rows_become_an_arrow_table_of_the_declared_columns() -> None:
    call = tf.find_call(_statement(1))
    assert call is not None
    table: Any = tf.arrow_table(call, [("U", 1, "doc_1", "{}", None, None)])
    assert table.column_names == list(OUTPUT_COLUMNS) and table.num_rows == 1
