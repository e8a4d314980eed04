"""Sync guarantees a one-line bug would break: newest duplicate's labels, leases, watermark, cursor, filters, paging."""

from __future__ import annotations

import json
import threading
from datetime import timedelta
from urllib.parse import parse_qs

import pytest
from bundle.sync.e2e.helpers import COLLECTION, assert_matches_truth, live_rows, query, snapshot, sync

from mixpeek_local.emulator.cursors import event_cursor
from mixpeek_snowflake import procedures
from mixpeek_snowflake.errors import SyncConflict
from mixpeek_snowflake.snowflake.database import Database
from mixpeek_snowflake.snowflake.timestamps import utc_now
from mixpeek_snowflake.sync import engine as sync_module
from mixpeek_snowflake.sync.engine import Sync
from mixpeek_snowflake.sync.options import parse_sync_request

HOUR = timedelta(hours=1)
LABELS = "SELECT DOCUMENT_ID, TAXONOMY_ID, NODE_ID, LABEL, SCORE, RANK, PATH FROM MIXPEEK_DOCUMENT_LABELS"


def state(session):
    return query(session, "SELECT * FROM MIXPEEK_SYNC_STATE")[0]


def run_before_the_transaction(monkeypatch, action):
    """Call action(sync) once in the next run, after staging and before its transaction opens."""
    real = Sync._new_taxonomies
    calls = []

    def hooked(self, refetch=False):
        if not calls:
            calls.append(self.run_id)
            action(self)
        return real(self, refetch)

    monkeypatch.setattr(Sync, "_new_taxonomies", hooked)
    return calls


def without_taxonomies(internal):
    return {k: v for k, v in internal.items() if not k.startswith("_taxonomy_")}


def test_labels_come_from_the_newest_duplicate_of_a_document(session, store, emulator, monkeypatch):
    doc = store.documents(COLLECTION)[0]
    taxonomy = next(k for k in doc["_internal"] if k.startswith("_taxonomy_") and k.endswith("_id"))[10:-3]
    base = without_taxonomies(doc["_internal"])
    newest = {**doc, "_internal": {**base, "updated_at": "2030-01-01T00:00:00Z"}}
    newest["_internal"] |= {f"_taxonomy_{taxonomy}_id": "node_new", f"_taxonomy_{taxonomy}_label": "New"}
    older = {**doc, "_internal": {**base, "updated_at": "2020-01-01T00:00:00Z"}}
    older["_internal"] |= {f"_taxonomy_{taxonomy}_id": "node_old", f"_taxonomy_{taxonomy}_label": "Old"}
    real = sync_module.iter_partitioned_pages

    def with_duplicates(*args, **kwargs):
        for page in real(*args, **kwargs):
            yield page
        yield type(page)(page.partition, page.number + 1, [], kwargs["prepare"]([newest, older]))

    monkeypatch.setattr(sync_module, "iter_partitioned_pages", with_duplicates)
    sync(session, "full", partitions=1)
    rows = query(session, LABELS + " WHERE DOCUMENT_ID = ?", [doc["document_id"]])
    rows = [{**r, "PATH": json.loads(r["PATH"]) if r["PATH"] else None} for r in rows]
    assert rows == [
        {
            "DOCUMENT_ID": doc["document_id"],
            "TAXONOMY_ID": taxonomy,
            "NODE_ID": "node_new",
            "LABEL": "New",
            "SCORE": None,
            "RANK": 1,
            "PATH": None,
        }
    ]


def test_a_run_that_lost_its_lease_commits_nothing(session, store, emulator, monkeypatch):
    sync(session, "full")
    store.update_document(COLLECTION, store.documents(COLLECTION)[0]["document_id"], {"metadata": {"v": 2}})
    tables = ("MIXPEEK_DOCUMENTS", "MIXPEEK_DOCUMENT_LABELS", "MIXPEEK_SYNC_STATE")
    before = {t: snapshot(session, t) for t in tables}

    def steal(run):
        session.sql("UPDATE MIXPEEK_SYNC_STATE SET LEASE_RUN_ID = 'run_usurper'").collect()
        before["MIXPEEK_SYNC_STATE"] = snapshot(session, "MIXPEEK_SYNC_STATE")

    calls = run_before_the_transaction(monkeypatch, steal)
    with pytest.raises(SyncConflict, match="lost its lease"):
        sync(session, "full")
    assert {t: snapshot(session, t) for t in tables} == before
    assert state(session)["LEASE_RUN_ID"] == "run_usurper"
    run = query(session, "SELECT STATUS FROM MIXPEEK_SYNC_RUNS WHERE RUN_ID = ?", calls)
    assert run == [{"STATUS": "FAILED"}]


@pytest.mark.parametrize("lease_seconds", [None, 7200])
def test_the_lease_lasts_lease_seconds(session, store, emulator, monkeypatch, lease_seconds):
    seen = {}

    def peek(run):
        seen["expires"] = state(session)["LEASE_EXPIRES_AT"]
        seen["started"] = run.started_at

    run_before_the_transaction(monkeypatch, peek)
    options = {"lease_seconds": lease_seconds} if lease_seconds else {}
    sync(session, "full", **options)
    held = (seen["expires"] - seen["started"]).total_seconds()
    assert abs(held - (lease_seconds or 3600)) < 30


def test_a_second_run_two_minutes_into_a_long_lease_is_skipped(session, store, emulator, monkeypatch):
    outcome = {}

    def second_run(run):
        request = parse_sync_request(COLLECTION, "MIXPEEK_DOCUMENTS", "full", {"lease_seconds": 600})
        later = run.started_at + timedelta(minutes=2)
        second = Sync(Database(session), request, clock=lambda: later)
        with procedures.mixpeek_client(None, second.prepare()) as client:
            outcome["summary"] = second.run(client)

    run_before_the_transaction(monkeypatch, second_run)
    first = sync(session, "full", lease_seconds=600)
    assert outcome["summary"]["status"] == "SKIPPED" and outcome["summary"]["inserted"] == 0
    assert first["run_id"] in outcome["summary"]["reason"]
    assert first["status"] == "SUCCEEDED" and first["inserted"] == 240
    assert state(session)["LAST_RUN_ID"] == first["run_id"] and state(session)["LEASE_RUN_ID"] is None


def test_the_watermark_never_moves_backwards(session, store, emulator):
    sync(session, "full")
    first = state(session)["WATERMARK"]
    docs = sorted(store.documents(COLLECTION), key=lambda d: d["_internal"]["updated_at"])
    store.delete_document(COLLECTION, docs[-1]["document_id"])
    sync(session)
    assert state(session)["WATERMARK"] == first
    sync(session, "full")
    assert state(session)["WATERMARK"] == first
    store.clock.tick(HOUR)
    moved = store.update_document(COLLECTION, docs[0]["document_id"], {"metadata": {"v": 3}})
    sync(session)
    assert state(session)["WATERMARK"][:23] == moved["_internal"]["updated_at"][:23] > first[:23]


def feed_cursors(emulator):
    return [parse_qs(r.query).get("cursor", [None])[0] for r in emulator.requests if r.path == "/v1/events"]


def test_the_feed_cursor_is_stored_and_a_recreated_document_stays_live(session, store, emulator):
    sync(session, "full")
    assert state(session)["EVENTS_CURSOR"] is None
    docs = store.documents(COLLECTION)
    gone = docs[3]
    store.clock.tick(HOUR)
    store.delete_document(COLLECTION, gone["document_id"])
    assert sync(session)["deleted"] == 1
    stored = state(session)["EVENTS_CURSOR"]
    assert stored == event_cursor(store.events()[-1]["seq"])
    store.clock.tick(HOUR)
    store.add_document(COLLECTION, gone)
    back = sync(session)
    assert (back["inserted"], back["updated"], back["deleted"]) == (0, 1, 0)
    assert feed_cursors(emulator)[-1] == stored
    store.clock.tick(HOUR)
    store.update_document(COLLECTION, docs[5]["document_id"], {"metadata": {"v": 4}})
    sync(session)
    sync(session)
    assert gone["document_id"] in live_rows(session)
    assert_matches_truth(session, store)


def test_user_filters_are_anded_with_the_incremental_window(session, store, emulator):
    docs = store.documents(COLLECTION)
    brand = docs[0]["metadata"]["brand"]
    same = [d for d in docs if d["metadata"]["brand"] == brand]
    other = next(d for d in docs if d["metadata"]["brand"] != brand)
    filters = {"AND": [{"field": "metadata.brand", "operator": "eq", "value": brand}]}
    assert sync(session, "full", filters=filters)["inserted"] == len(same) < len(docs)
    watermark = max(d["_internal"]["updated_at"] for d in same)
    store.clock.tick(HOUR)
    oldest = min(same, key=lambda d: d["_internal"]["updated_at"])
    store.update_document(COLLECTION, oldest["document_id"], {"metadata": {"v": 5}})
    store.update_document(COLLECTION, other["document_id"], {"metadata": {"v": 5}})
    window = [
        d
        for d in store.documents(COLLECTION)
        if d["metadata"]["brand"] == brand and d["_internal"]["updated_at"] >= watermark
    ]
    summary = sync(session, filters=filters, overlap_seconds=0)
    assert len(window) == 2 and len(same) > 2
    assert (summary["documents_seen"], summary["updated"], summary["inserted"]) == (2, 1, 0)
    assert other["document_id"] not in live_rows(session)


def test_full_pages_are_staged_before_the_next_page_is_fetched(session, store, emulator, monkeypatch):
    fetched = []
    staged = []
    real_pages = sync_module.iter_partitioned_pages
    real_stage = Sync._stage

    def counting(*args, **kwargs):
        for page in real_pages(*args, **kwargs):
            fetched.append(page.number)
            yield page

    def recording(self, statement, payload, count):
        if "'U'" in statement:
            staged.append((len(fetched), count))
        return real_stage(self, statement, payload, count)

    monkeypatch.setattr(sync_module, "iter_partitioned_pages", counting)
    monkeypatch.setattr(Sync, "_stage", recording)
    summary = sync(session, "full", partitions=1, page_size=50)
    assert summary["pages"] == 5
    assert staged == [(1, 50), (2, 50), (3, 50), (4, 50), (5, 40)]


def test_a_run_with_no_new_changes_keeps_the_watermark_and_cursor(session, store, emulator):
    sync(session, "full")
    store.delete_document(COLLECTION, store.documents(COLLECTION)[0]["document_id"])
    sync(session)
    before = state(session)
    again = sync(session)
    after = state(session)
    assert (again["inserted"], again["updated"], again["deleted"]) == (0, 0, 0)
    assert (after["WATERMARK"], after["EVENTS_CURSOR"]) == (before["WATERMARK"], before["EVENTS_CURSOR"])
    assert after["LAST_RUN_ID"] == again["run_id"] and utc_now() >= after["LAST_SUCCESS_AT"]


def record_statement_threads(session, monkeypatch):
    """The thread of every statement the session is asked to run (below the strict engine, which unwraps it)."""
    threads = []
    session = getattr(session, "session", session)
    real = session.sql

    def recording(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(session, "sql", recording)
    return threads


def test_every_statement_runs_on_the_main_thread(session, store, emulator, monkeypatch):
    threads = record_statement_threads(session, monkeypatch)
    listing_threads = set()
    real_pages = sync_module.iter_partitioned_pages

    def noting(*args, **kwargs):
        prepare = kwargs["prepare"]

        def noted(documents):
            listing_threads.add(threading.current_thread())
            return prepare(documents)

        return real_pages(*args, **{**kwargs, "prepare": noted})

    monkeypatch.setattr(sync_module, "iter_partitioned_pages", noting)
    summary = sync(session, "full", partitions=4, page_size=40)
    assert summary["inserted"] == 240
    assert threading.main_thread() not in listing_threads and listing_threads
    assert len(threads) > 10 and set(threads) == {threading.main_thread()}
