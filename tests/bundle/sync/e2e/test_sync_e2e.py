"""sync_mixpeek_collection end to end: emulator → handler → Snowpark session on the local engine."""

from __future__ import annotations

import json
from datetime import datetime

import pytest
from bundle.sync.e2e.helpers import (
    COLLECTION,
    assert_matches_truth,
    live_rows,
    query,
    snapshot,
    sync,
)
from local_world import sync_mixpeek_collection

from mixpeek_snowflake.sync import engine as sync_module

TABLES = ("MIXPEEK_DOCUMENTS", "MIXPEEK_SYNC_STATE", "MIXPEEK_SYNC_REJECTS")


def test_full_sync_lands_every_document_exactly(session, store, emulator):
    summary = sync(session, "full", partitions=3, page_size=50)
    assert summary["status"] == "SUCCEEDED"
    assert (summary["inserted"], summary["updated"], summary["unchanged"], summary["deleted"]) == (240, 0, 0, 0)
    assert summary["documents_seen"] == 240 and summary["rejected"] == 0
    assert summary["pages"] == emulator.request_count("/documents/list") >= 240 // 50
    assert summary["api_requests"] == emulator.request_count()
    assert_matches_truth(session, store)


def test_typed_columns_come_from_internal(session, store, emulator):
    sync(session, "full")
    doc = store.documents(COLLECTION)[0]
    row = query(session, "SELECT * FROM MIXPEEK_DOCUMENTS WHERE DOCUMENT_ID = ?", [doc["document_id"]])[0]
    internal = doc["_internal"]
    assert row["COLLECTION_ID"] == COLLECTION and row["NAMESPACE_ID"] == internal["namespace_id"]
    assert row["UPDATED_AT"] == datetime.fromisoformat(internal["updated_at"].replace("Z", ""))
    assert row["CREATED_AT"] == datetime.fromisoformat(internal["created_at"].replace("Z", ""))
    assert row["MODALITY"] == internal["modality"] and row["MIME_TYPE"] == internal["mime_type"]
    assert row["ROOT_OBJECT_ID"] == internal["lineage"]["root_object_id"]
    assert row["SIZE_BYTES"] == internal["size_bytes"]
    assert json.loads(row["METADATA"]) == doc["metadata"]
    assert row["IS_DELETED"] is False and row["DELETED_AT"] is None
    assert row["FIRST_SYNCED_AT"] == row["LAST_SYNCED_AT"]


def test_rerun_changes_nothing(session, store, emulator):
    first = sync(session, "full")
    before = snapshot(session, "MIXPEEK_DOCUMENTS")
    again = sync(session, "full")
    assert (again["inserted"], again["updated"], again["deleted"], again["unchanged"]) == (0, 0, 0, 240)
    assert snapshot(session, "MIXPEEK_DOCUMENTS") == before
    runs = query(session, "SELECT DISTINCT LAST_RUN_ID FROM MIXPEEK_DOCUMENTS")
    assert runs == [{"LAST_RUN_ID": first["run_id"]}]


def test_incremental_applies_updates_deletes_and_additions(session, store, emulator):
    sync(session, "full")
    ids = [d["document_id"] for d in store.documents(COLLECTION)]
    for document_id in ids[:5]:
        store.update_document(COLLECTION, document_id, {"metadata": {"price": 1.5}})
    for document_id in ids[5:8]:
        store.delete_document(COLLECTION, document_id)
    added = [store.add_document(COLLECTION)["document_id"] for _ in range(4)]
    summary = sync(session)
    assert summary["mode"] == "incremental"
    assert (summary["inserted"], summary["updated"], summary["deleted"]) == (4, 5, 3)
    assert summary["documents_seen"] < 30
    assert_matches_truth(session, store)
    gone = query(session, "SELECT DOCUMENT_ID, DELETED_AT FROM MIXPEEK_DOCUMENTS WHERE IS_DELETED ORDER BY 1")
    assert [r["DOCUMENT_ID"] for r in gone] == sorted(ids[5:8]) and all(r["DELETED_AT"] for r in gone)
    assert set(added) <= set(live_rows(session))
    assert sync(session)["inserted"] + sync(session)["updated"] == 0


def test_unreadable_watermark_makes_the_run_full(session, store, emulator):
    sync(session, "full")
    session.sql("UPDATE MIXPEEK_SYNC_STATE SET WATERMARK = 'not a time'").collect()
    summary = sync(session)
    assert summary["mode"] == "full" and summary["unchanged"] == 240
    assert query(session, "SELECT WATERMARK FROM MIXPEEK_SYNC_STATE")[0]["WATERMARK"].startswith("20")


def test_first_incremental_runs_as_full(session, store, emulator):
    summary = sync(session, "incremental")
    assert summary["mode"] == "full" and summary["requested_mode"] == "incremental"
    assert summary["inserted"] == 240


def test_full_marks_documents_gone_and_undeletes_when_they_return(session, store, emulator):
    sync(session, "full")
    doc = store.documents(COLLECTION)[10]
    store.delete_document(COLLECTION, doc["document_id"])
    assert sync(session, "full")["deleted"] == 1
    assert doc["document_id"] not in live_rows(session)
    store.add_document(COLLECTION, doc)
    back = sync(session, "full")
    assert (back["updated"], back["inserted"], back["deleted"]) == (1, 0, 0)
    row = query(
        session, "SELECT IS_DELETED, DELETED_AT FROM MIXPEEK_DOCUMENTS WHERE DOCUMENT_ID = ?", [doc["document_id"]]
    )
    assert row == [{"IS_DELETED": False, "DELETED_AT": None}]
    assert_matches_truth(session, store)


def test_document_seen_twice_is_one_row_newest_wins(session, store, emulator, monkeypatch):
    real = sync_module.iter_partitioned_pages
    doc = store.documents(COLLECTION)[0]
    older = {
        **doc,
        "metadata": {"stale": True},
        "_internal": {**doc["_internal"], "updated_at": "2020-01-01T00:00:00Z"},
    }

    def with_duplicates(*args, **kwargs):
        for page in real(*args, **kwargs):
            yield page
            yield type(page)(page.partition, page.number, [], kwargs["prepare"]([older, doc, older]))

    monkeypatch.setattr(sync_module, "iter_partitioned_pages", with_duplicates)
    summary = sync(session, "full", partitions=1)
    assert summary["inserted"] == 240 and summary["documents_seen"] > 240
    assert_matches_truth(session, store)


@pytest.mark.parametrize("max_chars", [4_000_000, 100_000])
def test_short_pages_share_staging_statements_within_the_bind_limit(session, store, emulator, monkeypatch, max_chars):
    staged: list[tuple[int, int]] = []
    real = sync_module.Sync._stage

    def recording(self, statement, payload, count):
        if "'U'" in statement:
            staged.append((len(payload), count))
        return real(self, statement, payload, count)

    monkeypatch.setattr(sync_module.Sync, "_stage", recording)
    monkeypatch.setattr(sync_module, "MAX_BIND_CHARS", max_chars)
    summary = sync(session, "full", partitions=3, page_size=50)
    assert summary["pages"] == 6 and sum(count for _, count in staged) == 240
    assert all(size <= max_chars for size, _ in staged)
    if max_chars > 1_000_000:
        assert len(staged) < summary["pages"]
    else:
        assert max(count for _, count in staged) < 50 and len(staged) > summary["pages"]
    assert summary["stage_statements"] == len(staged)
    assert_matches_truth(session, store)


def test_dry_run_counts_and_writes_nothing_but_the_run_row(session, store, emulator):
    sync(session, "full")
    store.update_document(COLLECTION, store.documents(COLLECTION)[0]["document_id"], {"metadata": {"x": 1}})
    store.delete_document(COLLECTION, store.documents(COLLECTION)[1]["document_id"])
    before = {t: snapshot(session, t) for t in TABLES}
    summary = sync(session, "full", dry_run=True)
    assert summary["dry_run"] and (summary["updated"], summary["deleted"], summary["unchanged"]) == (1, 1, 238)
    assert {t: snapshot(session, t) for t in TABLES} == before
    run = query(session, "SELECT STATUS, DRY_RUN FROM MIXPEEK_SYNC_RUNS WHERE RUN_ID = ?", [summary["run_id"]])
    assert run == [{"STATUS": "SUCCEEDED", "DRY_RUN": True}]
    assert query(session, "SELECT COUNT(*) AS N FROM MIXPEEK_SYNC_STAGE") == [{"N": 0}]


def test_run_row_and_state_record_the_run(session, store, emulator):
    summary = sync(session, "full")
    run = query(session, "SELECT * FROM MIXPEEK_SYNC_RUNS WHERE RUN_ID = ?", [summary["run_id"]])[0]
    assert run["STATUS"] == "SUCCEEDED" and run["MODE"] == "full" and run["INSERTED"] == 240
    assert run["API_REQUESTS"] == summary["api_requests"] and run["FINISHED_AT"] >= run["STARTED_AT"]
    assert json.loads(run["SUMMARY"]) == summary
    state = query(session, "SELECT * FROM MIXPEEK_SYNC_STATE")
    newest = max(d["_internal"]["updated_at"] for d in store.documents(COLLECTION))
    assert len(state) == 1 and state[0]["LAST_RUN_ID"] == summary["run_id"]
    assert state[0]["WATERMARK"][:23] == newest[:23] and state[0]["LEASE_RUN_ID"] is None
    assert state[0]["TARGET_TABLE"] == summary["target_table"] and summary["target_table"].endswith(
        ".MIXPEEK_DOCUMENTS"
    )


def test_collection_by_name_resolves_to_its_id(session, store, emulator):

    summary = sync_mixpeek_collection(session, "product-media", "DOCS_BY_NAME", "full")
    assert summary["collection_id"] == COLLECTION and summary["inserted"] == 240


def test_qualified_target_in_another_schema(session, store, emulator):
    session.sql("CREATE SCHEMA IF NOT EXISTS MIRROR").collect()
    database = session.sql("SELECT CURRENT_DATABASE()").collect()[0][0]
    summary = sync(session, "full", target=f"{database}.MIRROR.MEDIA")
    assert summary["target_table"] == f"{database}.MIRROR.MEDIA"
    assert query(session, "SELECT COUNT(*) AS N FROM MIRROR.MEDIA") == [{"N": 240}]
    assert query(session, "SELECT COUNT(*) AS N FROM MIRROR.MIXPEEK_SYNC_RUNS") == [{"N": 1}]


@pytest.mark.parametrize("partitions", [1, 2, 7])
def test_partitioned_listing_is_complete(session, store, emulator, partitions):
    summary = sync(session, "full", partitions=partitions, page_size=40)
    assert summary["inserted"] == 240
    assert_matches_truth(session, store)
