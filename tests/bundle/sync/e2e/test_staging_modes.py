"""Both staging modes, end to end on the local engine: the same target, run rows and state; a partition failing
mid-way leaves every table as it was."""

from __future__ import annotations

from typing import Any

import pytest
from bundle.sync.e2e.helpers import COLLECTION, assert_matches_truth, query, snapshot, sync
from local_world import fresh_session

from mixpeek_local.emulator import Emulator, Fault, Store
from mixpeek_local.engine import strict
from mixpeek_snowflake import procedures
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.sync.statements import SyncTables

TABLES = ("MIXPEEK_DOCUMENTS", "MIXPEEK_SYNC_STATE", "MIXPEEK_SYNC_RUNS", "MIXPEEK_DOCUMENT_LABELS")
TARGET_COLUMNS = (
    "DOCUMENT_ID, COLLECTION_ID, NAMESPACE_ID, CREATED_AT, UPDATED_AT, MODALITY, MIME_TYPE, SOURCE_URL, "
    "SOURCE_OBJECT_ID, ROOT_OBJECT_ID, ROOT_BUCKET_ID, SIZE_BYTES, METADATA, DOCUMENT, CONTENT_HASH, IS_DELETED"
)
RUN_COLUMNS = "MODE, STATUS, DOCUMENTS_SEEN, INSERTED, UPDATED, UNCHANGED, DELETED, REJECTED, PAGES, API_REQUESTS"


def _target(session: Any, table: str) -> list[tuple[str, ...]]:
    return sorted(tuple(str(v) for v in row) for row in session.sql(f"SELECT {TARGET_COLUMNS} FROM {table}").collect())


def _runs(session: Any) -> list[dict[str, Any]]:
    return query(session, f"SELECT {RUN_COLUMNS} FROM MIXPEEK_SYNC_RUNS ORDER BY STARTED_AT")


def _state(session: Any) -> list[dict[str, Any]]:
    return query(session, "SELECT COLLECTION_ID, WATERMARK, EVENTS_CURSOR, TARGET_ROWS FROM MIXPEEK_SYNC_STATE")


def _run_in_own_database(engine: dict[str, Any], staging: str, **options: Any) -> dict[str, Any]:
    with fresh_session(engine, "STAGING") as session:
        first = sync(session, "full", partitions=3, page_size=50, staging=staging, **options)
        second = sync(session, "incremental", partitions=3, page_size=50, staging=staging, **options)
        return {
            "summaries": (first, second),
            "target": _target(session, "MIXPEEK_DOCUMENTS"),
            "runs": _runs(session),
            "state": _state(session),
            "stage": query(session, "SELECT COUNT(*) AS N FROM MIXPEEK_SYNC_STAGE")[0]["N"],
        }


def test_both_staging_modes_give_the_same_target_runs_and_state(
    engine: dict[str, Any], emulator: Emulator, store: Store
) -> None:
    by_procedure = _run_in_own_database(engine, "procedure")
    by_function = _run_in_own_database(engine, "table_function", requests_per_minute=6000)
    assert [s["status"] for s in by_function["summaries"]] == ["SUCCEEDED", "SUCCEEDED"]
    assert by_function["summaries"][0]["inserted"] == 240
    assert by_function["target"] == by_procedure["target"]
    assert len(by_function["target"]) == 240
    assert by_function["runs"] == by_procedure["runs"]
    assert [(s["COLLECTION_ID"], s["TARGET_ROWS"]) for s in by_function["state"]] == [(COLLECTION, 240)]
    assert by_function["state"] == by_procedure["state"]
    assert by_function["stage"] == by_procedure["stage"] == 0


def test_table_function_staging_runs_one_staging_statement_and_reads_the_rate_limit(
    session: Any, emulator: Emulator, store: Store
) -> None:
    procedure_requests = emulator.request_count()
    summary = sync(session, "full", partitions=4, page_size=25, staging="table_function")
    assert summary["status"] == "SUCCEEDED" and summary["inserted"] == 240
    assert summary["stage_statements"] == 1
    assert emulator.request_count("/v1/me") == 1
    assert summary["api_requests"] == emulator.request_count() - procedure_requests
    assert_matches_truth(session, store)


def _tables(session: Any) -> dict[str, list[tuple[str, ...]]]:
    return {table: snapshot(session, table) for table in (*TABLES, "MIXPEEK_SYNC_STAGE", "MIXPEEK_SYNC_REJECTS")}


def test_a_partition_failing_mid_way_fails_the_run_and_leaves_every_table_as_it_was(
    session: Any, emulator: Emulator, store: Store
) -> None:
    assert sync(session, "full", partitions=4, page_size=20, staging="table_function")["status"] == "SUCCEEDED"
    for doc in store.documents(COLLECTION)[::10]:
        store.update_document(COLLECTION, doc["document_id"], {"metadata": {**doc.get("metadata", {}), "v": 2}})
    before = _tables(session)
    emulator.inject(Fault(kind="status", status=400, after=5, message="refused mid-way"))
    with pytest.raises(Exception, match="refused mid-way") as caught:
        sync(session, "full", partitions=4, page_size=20, staging="table_function")
    assert "mxp_e2e_canary_key" not in str(caught.value)
    after = _tables(session)
    runs_before, runs_after = before.pop("MIXPEEK_SYNC_RUNS"), after.pop("MIXPEEK_SYNC_RUNS")
    assert after == before
    failed = query(session, "SELECT STATUS, ERROR FROM MIXPEEK_SYNC_RUNS WHERE STATUS <> 'SUCCEEDED'")
    assert len(runs_after) == len(runs_before) + 1
    assert [r["STATUS"] for r in failed] == ["FAILED"] and "refused mid-way" in failed[0]["ERROR"]
    assert "mxp_e2e_canary_key" not in failed[0]["ERROR"]


class Recording:
    """A session that records every statement and its parameters on the way to the engine."""

    def __init__(self, session: Any) -> None:
        self.session = session
        self.sent: list[tuple[str, list[Any]]] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.session, name)

    def sql(self, query: str, params: list[Any] | None = None) -> Any:
        self.sent.append((query, list(params or [])))
        return self.session.sql(query, params=params)


def test_the_engine_receives_the_statement_a_real_account_runs_and_no_document_is_bound(
    engine: dict[str, Any], session: Any, emulator: Emulator, store: Store
) -> None:
    recording = Recording(session)
    summary = sync(recording, "full", partitions=2, page_size=40, staging="table_function")
    assert summary["status"] == "SUCCEEDED"
    database = query(session, "SELECT CURRENT_DATABASE() AS D")[0]["D"]
    tables = SyncTables.beside(TableName.parse(f"{database}.PUBLIC.MIXPEEK_DOCUMENTS"))
    calls = [(text, params) for text, params in recording.sent if "MIXPEEK_FETCH_DOCUMENTS" in text]
    assert [text for text, _ in calls] == [tables.stage_fetched(2)]
    assert calls[0][1][2:4] == [COLLECTION, '{"limit": 40}']
    ids = [doc["document_id"] for doc in store.documents(COLLECTION)]
    bound = " ".join(str(p) for _, params in recording.sent for p in params)
    assert not [i for i in ids if i in bound]
    with fresh_session(engine, "PAGES") as other:
        smaller_pages = sync(other, "full", partitions=2, page_size=7, staging="table_function")
    assert smaller_pages["pages"] > 4 * summary["pages"]
    assert smaller_pages["sql_statements"] == summary["sql_statements"]


def test_table_function_staging_runs_under_the_strict_engine_with_a_callers_timestamp_format(
    session: Any, emulator: Emulator, store: Store
) -> None:
    caller = strict.Caller(timestamp_input_format="DD/MM/YYYY HH24:MI:SS")
    options = {"partitions": 2, "page_size": 60, "staging": "table_function"}
    summary = strict.call(
        procedures.sync_mixpeek_collection, session, COLLECTION, "MIXPEEK_DOCUMENTS", "full", options, caller=caller
    )
    assert summary["status"] == "SUCCEEDED" and summary["inserted"] == 240
    assert_matches_truth(session, store)
