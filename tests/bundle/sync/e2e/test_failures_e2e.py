"""A failed sync leaves every table as it was, records why, raises, and the next run converges."""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

import pytest
from bundle.sync.e2e.helpers import API_KEY, COLLECTION, assert_matches_truth, query, snapshot, sync
from local_world import sync_mixpeek_collection

from mixpeek_local.emulator import Fault
from mixpeek_snowflake.errors import InvalidArgument, MixpeekAPIError
from mixpeek_snowflake.sync.statements import SyncTables

TABLES = (
    "MIXPEEK_DOCUMENTS",
    "MIXPEEK_SYNC_STATE",
    "MIXPEEK_SYNC_REJECTS",
    "MIXPEEK_SYNC_STAGE",
    "MIXPEEK_DOCUMENT_LABELS",
    "MIXPEEK_TAXONOMIES",
)


def tables_now(session):
    return {t: snapshot(session, t) for t in TABLES}


def change_some(store):
    docs = store.documents(COLLECTION)
    store.update_document(COLLECTION, docs[0]["document_id"], {"metadata": {"price": 2.0}})
    store.delete_document(COLLECTION, docs[1]["document_id"])
    store.add_document(COLLECTION)


def last_run(session):
    return query(session, "SELECT STATUS, ERROR FROM MIXPEEK_SYNC_RUNS ORDER BY STARTED_AT DESC, RUN_ID DESC")[0]


@pytest.mark.parametrize(("mode", "after"), [("full", 2), ("incremental", 0)])
def test_fatal_error_mid_listing_changes_nothing_then_converges(session, store, emulator, mode, after):
    sync(session, "full")
    change_some(store)
    before = tables_now(session)
    emulator.inject(Fault(kind="status", status=400, after=after))
    with pytest.raises(MixpeekAPIError, match="400"):
        sync(session, mode, partitions=1, page_size=20)
    assert tables_now(session) == before
    failed = last_run(session)
    assert failed["STATUS"] == "FAILED" and "400" in failed["ERROR"]
    sync(session, mode)
    assert_matches_truth(session, store)


def test_retries_exhausted_fail_cleanly(session, store, emulator, waits):
    sync(session, "full")
    change_some(store)
    before = tables_now(session)
    emulator.inject(Fault(kind="status", status=503, retry_after=1, times=50, after=1))
    with pytest.raises(MixpeekAPIError, match="503"):
        sync(session, "full", partitions=1, page_size=20)
    assert tables_now(session) == before
    assert waits and len(waits) == 7 and all(w == 1 for w in waits)


def test_transient_faults_are_retried_and_the_run_succeeds(session, store, emulator, waits):
    emulator.inject(Fault(kind="status", status=429, retry_after=2, after=1))
    emulator.inject(Fault(kind="drop", after=0))
    emulator.inject(Fault(kind="truncate"))
    summary = sync(session, "full", partitions=1, page_size=30)
    assert summary["retries"] == 3 and summary["inserted"] == 240
    assert 2 in waits
    assert_matches_truth(session, store)


@pytest.mark.parametrize(
    "statement",
    [
        pytest.param("mark_deleted", id="sql-error-inside-the-transaction-rolls-everything-back"),
        pytest.param("merge", id="crash-between-staging-and-merge-leaves-no-orphans"),
    ],
)
def test_a_failing_statement_leaves_every_table_as_it_was(session, store, emulator, monkeypatch, statement):
    sync(session, "full")
    change_some(store)
    before = tables_now(session)
    real = getattr(SyncTables, statement)

    def broken(self, *args):
        return real(self, *args).replace(self.target.sql, "NO_SUCH_TABLE", 1)

    monkeypatch.setattr(SyncTables, statement, broken)
    with pytest.raises(Exception, match="NO_SUCH_TABLE"):
        sync(session, "full")
    assert tables_now(session) == before
    assert last_run(session)["STATUS"] == "FAILED"
    monkeypatch.setattr(SyncTables, statement, real)
    assert sync(session, "full")["status"] == "SUCCEEDED"
    assert_matches_truth(session, store)


def test_unknown_collection_is_named(session, emulator):
    with pytest.raises(MixpeekAPIError) as caught:
        sync_mixpeek_collection(session, "col_nosuch00001", "MIXPEEK_DOCUMENTS", "full", None)
    assert caught.value.status == 404 and "col_nosuch00001" in str(caught.value)
    run = last_run(session)
    assert run["STATUS"] == "FAILED" and "col_nosuch00001" in run["ERROR"]


def test_rejected_key_says_so_without_echoing_it(session, emulator, monkeypatch):
    monkeypatch.setenv("MIXPEEK_API_KEY", "mxp_wrong_canary_5d1e")
    with pytest.raises(MixpeekAPIError) as caught:
        sync(session, "full")
    assert caught.value.status == 401 and "API key" in str(caught.value)
    assert (
        "mxp_wrong_canary_5d1e" not in str(caught.value) and "mxp_wrong_canary_5d1e" not in last_run(session)["ERROR"]
    )


def test_invalid_filter_is_refused_by_mixpeek_with_its_message(session, emulator):
    with pytest.raises(MixpeekAPIError) as caught:
        sync(session, "full", filters={"AND": [{"field": "metadata.brand", "operator": "bogus", "value": 1}]})
    assert caught.value.status == 422 and "operator" in str(caught.value)


def test_lease_held_by_another_run_is_skipped_without_raising(session, store, emulator):
    sync(session, "full")
    change_some(store)
    later = (datetime.utcnow() + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M:%S")
    session.sql(
        "UPDATE MIXPEEK_SYNC_STATE SET LEASE_RUN_ID = 'run_other', LEASE_EXPIRES_AT = TO_TIMESTAMP_NTZ(?)",
        params=[later],
    ).collect()
    before = tables_now(session)
    summary = sync(session, "full")
    assert summary["status"] == "SKIPPED" and "run_other" in summary["reason"]
    assert tables_now(session) == before
    assert emulator.request_count("/documents/list") == 4
    run = query(session, "SELECT STATUS, REASON FROM MIXPEEK_SYNC_RUNS WHERE RUN_ID = ?", [summary["run_id"]])
    assert run == [{"STATUS": "SKIPPED", "REASON": summary["reason"]}]


def test_expired_lease_is_taken_over(session, store, emulator):
    sync(session, "full")
    change_some(store)
    earlier = (datetime.utcnow() - timedelta(minutes=1)).strftime("%Y-%m-%d %H:%M:%S")
    session.sql(
        "UPDATE MIXPEEK_SYNC_STATE SET LEASE_RUN_ID = 'run_crashed', LEASE_EXPIRES_AT = TO_TIMESTAMP_NTZ(?)",
        params=[earlier],
    ).collect()
    assert sync(session, "full")["status"] == "SUCCEEDED"
    assert_matches_truth(session, store)
    assert query(session, "SELECT LEASE_RUN_ID FROM MIXPEEK_SYNC_STATE") == [{"LEASE_RUN_ID": None}]


@pytest.mark.parametrize(
    ("args", "argument"),
    [
        (("../etc", "T", "full", None), "collection_id"),
        (("col a", "T", "full", None), "collection_id"),
        (("col%2Fx", "T", "full", None), "collection_id"),
        ((COLLECTION, 'T"; DROP TABLE X; --', "full", None), "target_table"),
        ((COLLECTION, "A.B.C.D", "full", None), "target_table"),
        ((COLLECTION, "SELECT", "full", None), "target_table"),
        ((COLLECTION, "ТABLE", "full", None), "target_table"),
        ((COLLECTION, "T", "everything", None), "mode"),
        ((COLLECTION, "T", "full", {"partitions": 0}), "option partitions"),
        ((COLLECTION, "T", "full", {"partitions": 10000}), "option partitions"),
        ((COLLECTION, "T", "full", {"page_size": 5000}), "option page_size"),
        ((COLLECTION, "T", "full", {"dry_run": "yes"}), "option dry_run"),
        ((COLLECTION, "T", "full", {"colour": "red"}), "options"),
    ],
)
def test_bad_input_is_refused_before_any_request_or_statement(session, emulator, args, argument):
    with pytest.raises(InvalidArgument) as caught:
        sync_mixpeek_collection(session, *args)
    assert caught.value.argument == argument
    assert "expected" in str(caught.value) or "known:" in str(caught.value)
    assert emulator.request_count() == 0
    assert session.sql("SHOW TABLES").collect() == []


def test_api_key_appears_nowhere(session, store, emulator, caplog):
    caplog.set_level(logging.DEBUG)
    summaries = [sync(session, "full")]
    emulator.inject(Fault(kind="status", status=500, times=50))
    with pytest.raises(MixpeekAPIError) as caught:
        sync(session, "full")
    everything = [json.dumps(summaries), str(caught.value), repr(caught.value), caplog.text]
    everything += [str(snapshot(session, t)) for t in (*TABLES, "MIXPEEK_SYNC_RUNS")]
    everything += [str(record) for record in emulator.requests]
    assert not [text for text in everything if API_KEY in text]


def test_a_stage_that_cannot_be_cleared_still_releases_the_lease(session, store, emulator, monkeypatch, caplog):
    real = SyncTables.clear_stage
    monkeypatch.setattr(SyncTables, "clear_stage", lambda self: "DELETE FROM NO_SUCH_STAGE WHERE RUN_ID = ?")
    with caplog.at_level(logging.ERROR, logger="mixpeek_snowflake.sync"):
        assert sync(session, "full")["status"] == "SUCCEEDED"
    assert "could not clear its stage rows" in caplog.text
    assert query(session, "SELECT LEASE_RUN_ID FROM MIXPEEK_SYNC_STATE") == [{"LEASE_RUN_ID": None}]
    monkeypatch.setattr(SyncTables, "clear_stage", real)
    change_some(store)
    assert sync(session, "full")["status"] == "SUCCEEDED"
    assert query(session, "SELECT COUNT(*) AS N FROM MIXPEEK_SYNC_STAGE") == [{"N": 0}]
    assert_matches_truth(session, store)
