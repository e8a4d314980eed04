"""MIXPEEK_DOCUMENT_LABELS stays exact through insert, update, delete and undelete, in the sync's transaction."""

from __future__ import annotations

import json

import pytest
from bundle.sync.e2e.helpers import COLLECTION, query, snapshot, sync
from local_world import refresh_mixpeek_labels

from mixpeek_snowflake.sync.labels import document_labels
from mixpeek_snowflake.sync.statements import SyncTables

LABEL_SQL = (
    "SELECT DOCUMENT_ID, TAXONOMY_ID, NODE_ID, LABEL, SCORE, RANK, PATH FROM MIXPEEK_DOCUMENT_LABELS "
    "ORDER BY DOCUMENT_ID, TAXONOMY_ID, RANK"
)


def table_labels(session):
    rows = query(session, LABEL_SQL)
    return [{**r, "PATH": json.loads(r["PATH"]) if r["PATH"] else None} for r in rows]


def expected_labels(store):
    rows = []
    for doc in store.documents(COLLECTION):
        for label in document_labels(doc):
            rows.append(
                {
                    "DOCUMENT_ID": doc["document_id"],
                    "TAXONOMY_ID": label["taxonomy_id"],
                    "NODE_ID": label["node_id"],
                    "LABEL": label["label"],
                    "SCORE": label["score"],
                    "RANK": label["rank"],
                    "PATH": label["path"],
                }
            )
    return sorted(rows, key=lambda r: (r["DOCUMENT_ID"], r["TAXONOMY_ID"], r["RANK"]))


def test_labels_match_the_documents_after_every_kind_of_change(session, store, emulator):
    summary = sync(session, "full")
    assert summary["labels_written"] == len(expected_labels(store)) > 240
    assert table_labels(session) == expected_labels(store)
    docs = store.documents(COLLECTION)
    labelled = next(d for d in docs if document_labels(d))
    taxonomy = document_labels(labelled)[0]["taxonomy_id"]
    store.update_document(COLLECTION, labelled["document_id"], {"_internal": {f"_taxonomy_{taxonomy}_assignments": []}})
    store.update_document(
        COLLECTION, labelled["document_id"], {"_internal": {f"_taxonomy_{taxonomy}_label": "Relabelled"}}
    )
    store.delete_document(COLLECTION, docs[-1]["document_id"])
    sync(session)
    assert table_labels(session) == expected_labels(store)
    store.add_document(COLLECTION, docs[-1])
    sync(session, "full")
    assert table_labels(session) == expected_labels(store)


def test_unchanged_documents_keep_their_label_rows(session, store, emulator):
    first = sync(session, "full")
    before = snapshot(session, "MIXPEEK_DOCUMENT_LABELS")
    assert sync(session, "full")["labels_written"] == 0
    assert snapshot(session, "MIXPEEK_DOCUMENT_LABELS") == before
    assert query(session, "SELECT DISTINCT LAST_RUN_ID FROM MIXPEEK_DOCUMENT_LABELS") == [
        {"LAST_RUN_ID": first["run_id"]}
    ]


def test_failed_run_leaves_labels_unchanged(session, store, emulator, monkeypatch):
    sync(session, "full")
    store.update_document(COLLECTION, store.documents(COLLECTION)[0]["document_id"], {"metadata": {"x": 2}})
    before = snapshot(session, "MIXPEEK_DOCUMENT_LABELS")
    real = SyncTables.advance_state
    monkeypatch.setattr(SyncTables, "advance_state", lambda self: real(self).replace(self.state.sql, "NO_SUCH", 1))
    with pytest.raises(Exception, match="NO_SUCH"):
        sync(session, "full")
    assert snapshot(session, "MIXPEEK_DOCUMENT_LABELS") == before


def test_refresh_rebuilds_labels_from_stored_documents(session, store, emulator):
    sync(session, "full")
    session.sql("DELETE FROM MIXPEEK_DOCUMENT_LABELS WHERE RANK > 1").collect()
    summary = refresh_mixpeek_labels(session, COLLECTION)
    assert summary["status"] == "SUCCEEDED" and summary["mode"] == "labels"
    assert summary["documents_seen"] == 240 and summary["labels_written"] == len(expected_labels(store))
    assert table_labels(session) == expected_labels(store)
    run = query(session, "SELECT MODE, STATUS FROM MIXPEEK_SYNC_RUNS WHERE RUN_ID = ?", [summary["run_id"]])
    assert run == [{"MODE": "labels", "STATUS": "SUCCEEDED"}]


def test_labels_carry_taxonomy_names_fetched_once(session, store, emulator):
    sync(session, "full")
    names = query(session, "SELECT DISTINCT TAXONOMY_NAME FROM MIXPEEK_DOCUMENT_LABELS ORDER BY 1")
    assert names == [{"TAXONOMY_NAME": "Product categories"}, {"TAXONOMY_NAME": "Product hierarchy"}]
    fetched = emulator.request_count("/v1/taxonomies/")
    assert fetched == 2
    sync(session, "full")
    assert emulator.request_count("/v1/taxonomies/") == fetched
