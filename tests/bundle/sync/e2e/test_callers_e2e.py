"""The sync, label refresh and reset as Snowflake CALLs them for callers whose session differs from the default.

Each runs through the strict engine (local_world.call) with one caller setting: AUTOCOMMIT off (an implicit
transaction at every DML, rolled back with an error if the procedure leaves one open), the CALL inside the
caller's open transaction (refused at once, nothing done), a DD/MM/YYYY TIMESTAMP_INPUT_FORMAT, and a
ROWS_PER_RESULTSET of 100 (every result cut to 100 rows).
"""

from __future__ import annotations

from typing import Any

import pytest
from bundle.sync.e2e.helpers import COLLECTION, assert_matches_truth, query, snapshot
from local_world import call

from mixpeek_local.emulator import Store
from mixpeek_local.engine.strict import Caller
from mixpeek_snowflake import procedures
from mixpeek_snowflake.errors import MixpeekSnowflakeError
from mixpeek_snowflake.snowflake.database import InsideTransaction

CALLERS = {
    "autocommit-off": Caller(autocommit=False),
    "timestamp-format": Caller(timestamp_input_format="DD/MM/YYYY HH24:MI:SS"),
    "rows-per-resultset-100": Caller(rows_per_resultset=100),
}


def _sync(session: Any, caller: Caller, mode: str, **options: Any) -> dict[str, Any]:
    return call(
        procedures.sync_mixpeek_collection,
        session,
        COLLECTION,
        "MIXPEEK_DOCUMENTS",
        mode,
        options or None,
        caller=caller,
    )


def _bookkeeping_is_closed(session: Any) -> None:
    runs = query(session, "SELECT STATUS FROM MIXPEEK_SYNC_RUNS")
    assert runs and {r["STATUS"] for r in runs} <= {"SUCCEEDED", "SKIPPED"}
    state = query(session, "SELECT LEASE_RUN_ID FROM MIXPEEK_SYNC_STATE")
    assert len(state) == 1 and state[0]["LEASE_RUN_ID"] is None
    assert query(session, "SELECT COUNT(*) AS N FROM MIXPEEK_SYNC_STAGE")[0]["N"] == 0


@pytest.mark.parametrize("caller", CALLERS.values(), ids=CALLERS.keys())
def test_full_then_incremental_sync_lands_everything_for_the_caller(session, store: Store, emulator, caller):
    first = _sync(session, caller, "full", page_size=50)
    assert first["status"] == "SUCCEEDED" and first["inserted"] == 240
    assert_matches_truth(session, store)
    docs = store.documents(COLLECTION)
    store.update_document(COLLECTION, docs[0]["document_id"], {"metadata": {"price": 3.5}})
    store.delete_document(COLLECTION, docs[1]["document_id"])
    second = _sync(session, caller, "incremental", page_size=50)
    assert second["mode"] == "incremental", second["reason"]
    assert (second["updated"], second["deleted"]) == (1, 1)
    assert_matches_truth(session, store)
    labels = query(session, "SELECT COUNT(*) AS N FROM MIXPEEK_DOCUMENT_LABELS")[0]["N"]
    refreshed = call(procedures.refresh_mixpeek_labels, session, COLLECTION, caller=caller)
    assert refreshed["status"] == "SUCCEEDED" and refreshed["labels_written"] == labels > 0
    _bookkeeping_is_closed(session)


def test_reset_lands_with_autocommit_off(session, store: Store, emulator):
    _sync(session, Caller(), "full")
    reset = call(procedures.reset_mixpeek_sync, session, COLLECTION, caller=Caller(autocommit=False))
    assert reset["state_rows_deleted"] == 1
    assert query(session, "SELECT COUNT(*) AS N FROM MIXPEEK_SYNC_STATE")[0]["N"] == 0


def _tables(session: Any) -> set[str]:
    schema = session.sql("SELECT CURRENT_SCHEMA()").collect()[0][0]
    rows = query(session, "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = ?", [schema])
    return {r["TABLE_NAME"] for r in rows}


@pytest.mark.parametrize("handler", ["sync_mixpeek_collection", "refresh_mixpeek_labels", "reset_mixpeek_sync"])
def test_a_call_inside_the_callers_transaction_is_refused_before_anything(session, store: Store, emulator, handler):
    before = _tables(session)
    with pytest.raises(InsideTransaction, match="CALL it outside a transaction"):
        call(getattr(procedures, handler), session, COLLECTION, caller=Caller(in_transaction=True))
    assert emulator.request_count() == 0
    assert _tables(session) == before


def test_a_call_inside_a_transaction_after_a_first_run_leaves_every_table_as_it_was(session, store: Store, emulator):
    _sync(session, Caller(), "full")
    runs = query(session, "SELECT RUN_ID, STATUS FROM MIXPEEK_SYNC_RUNS")
    requests = emulator.request_count()
    with pytest.raises(InsideTransaction):
        _sync(session, Caller(in_transaction=True, autocommit=False), "incremental")
    assert emulator.request_count() == requests
    assert query(session, "SELECT RUN_ID, STATUS FROM MIXPEEK_SYNC_RUNS") == runs
    _bookkeeping_is_closed(session)


def test_two_state_rows_left_by_concurrent_first_runs_heal_into_one(session, store: Store, emulator):
    _sync(session, Caller(), "full")
    target = query(session, "SELECT TARGET_TABLE FROM MIXPEEK_SYNC_STATE")[0]["TARGET_TABLE"]
    session.sql("DELETE FROM MIXPEEK_SYNC_STATE").collect()
    for _ in range(2):
        insert = "INSERT INTO MIXPEEK_SYNC_STATE (COLLECTION_ID, TARGET_TABLE) VALUES (?, ?)"
        session.sql(insert, [COLLECTION, target]).collect()
    healed = _sync(session, Caller(), "incremental")
    assert healed["status"] == "SUCCEEDED" and healed["mode"] == "full"
    state = query(session, "SELECT WATERMARK, LEASE_RUN_ID, LAST_RUN_ID FROM MIXPEEK_SYNC_STATE")
    assert len(state) == 1 and state[0]["LEASE_RUN_ID"] is None and state[0]["LAST_RUN_ID"] == healed["run_id"]
    assert _sync(session, Caller(), "incremental")["mode"] == "incremental"
    assert_matches_truth(session, store)


def test_unqualified_names_resolve_in_the_procedures_schema_whatever_the_caller_uses(session, store: Store, emulator):
    database, home = session.sql("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()").collect()[0]
    session.sql("CREATE SCHEMA ELSEWHERE").collect()
    session.sql(f'USE SCHEMA "{database}".ELSEWHERE').collect()
    summary = call(
        procedures.sync_mixpeek_collection,
        session,
        COLLECTION,
        "MIXPEEK_DOCUMENTS",
        "full",
        None,
        home=(database, home),
    )
    assert summary["target_table"] == f"{database}.{home}.MIXPEEK_DOCUMENTS"
    session.sql(f'USE SCHEMA "{database}"."{home}"').collect()
    assert "MIXPEEK_DOCUMENTS" in _tables(session)
    session.sql(f'USE SCHEMA "{database}".ELSEWHERE').collect()
    assert "MIXPEEK_DOCUMENTS" not in _tables(session)


def test_json_nulls_land_as_sql_null_not_as_variant_null(session, store: Store, emulator):
    docs = store.documents(COLLECTION)
    without = {k: v for k, v in docs[0].items() if k != "metadata"}
    store.replace_document(COLLECTION, {**without, "metadata": None})
    _sync(session, Caller(), "full")
    rows = query(
        session,
        "SELECT IS_NULL_VALUE(METADATA) AS JSON_NULL, METADATA IS NULL AS SQL_NULL FROM MIXPEEK_DOCUMENTS "
        "WHERE DOCUMENT_ID = ?",
        [docs[0]["document_id"]],
    )
    assert rows == [{"JSON_NULL": None, "SQL_NULL": True}]
    paths = query(
        session,
        "SELECT COUNT_IF(IS_NULL_VALUE(PATH)) AS JSON_NULL, COUNT_IF(PATH IS NULL) AS SQL_NULL "
        "FROM MIXPEEK_DOCUMENT_LABELS",
    )[0]
    assert paths["JSON_NULL"] == 0 and paths["SQL_NULL"] > 0


def test_a_tiny_rows_per_resultset_cannot_hide_the_sync_tables_from_the_next_run(session, store: Store, emulator):
    tiny = Caller(rows_per_resultset=7)
    assert _sync(session, tiny, "full")["inserted"] == 240
    for n in range(3):
        session.sql(f"CREATE TABLE AAA_{n} (A INT, B INT, C INT)").collect()
    store.update_document(COLLECTION, store.documents(COLLECTION)[0]["document_id"], {"metadata": {"price": 1.5}})
    second = _sync(session, tiny, "incremental")
    assert second["mode"] == "incremental", second["reason"]
    assert second["updated"] == 1
    assert_matches_truth(session, store)


def test_a_cap_below_the_sync_tables_is_refused_by_name_and_changes_no_row(session, store: Store, emulator):
    _sync(session, Caller(), "full")
    store.update_document(COLLECTION, store.documents(COLLECTION)[0]["document_id"], {"metadata": {"price": 2.5}})
    tables = ("MIXPEEK_DOCUMENTS", "MIXPEEK_SYNC_STATE", "MIXPEEK_SYNC_RUNS", "MIXPEEK_SYNC_STAGE")
    before = {table: snapshot(session, table) for table in tables}
    with pytest.raises(MixpeekSnowflakeError, match=r"ROWS_PER_RESULTSET returned 2 of the \d+ rows"):
        _sync(session, Caller(rows_per_resultset=2), "incremental")
    assert {table: snapshot(session, table) for table in tables} == before


def test_a_dry_run_counts_every_target_row_under_a_tiny_rows_per_resultset(session, store: Store, emulator):
    _sync(session, Caller(), "full")
    docs = store.documents(COLLECTION)
    store.delete_document(COLLECTION, docs[0]["document_id"])
    store.update_document(COLLECTION, docs[1]["document_id"], {"metadata": {"price": 7.5}})
    plan = _sync(session, Caller(rows_per_resultset=7), "full", dry_run=True)
    assert (plan["inserted"], plan["updated"], plan["deleted"]) == (0, 1, 1)
    assert plan["unchanged"] == 238
