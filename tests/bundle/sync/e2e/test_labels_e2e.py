"""MIXPEEK_DOCUMENT_LABELS stays exact through insert, update, delete and undelete, in the sync's transaction."""

from __future__ import annotations

import json

import pytest
from bundle.sync.e2e.helpers import COLLECTION, query, snapshot, sync
from local_world import refresh_mixpeek_labels

from mixpeek_local import oracle
from mixpeek_snowflake.sync.statements import SyncTables

LABEL_SQL = (
    "SELECT DOCUMENT_ID, TAXONOMY_ID, NODE_ID, LABEL, SCORE, RANK, PATH FROM MIXPEEK_DOCUMENT_LABELS "
    "ORDER BY DOCUMENT_ID, TAXONOMY_ID, RANK"
)
FIELDS = ("DOCUMENT_ID", "TAXONOMY_ID", "NODE_ID", "LABEL", "SCORE", "RANK", "PATH")
FLAT, TREE = "tax_handflat01", "tax_handtree01"
RANKED = {
    f"_taxonomy_{FLAT}_id": "node_best",
    f"_taxonomy_{FLAT}_label": "Boots",
    f"_taxonomy_{FLAT}_score": 0.9,
    f"_taxonomy_{FLAT}_path": ["Footwear", "Boots"],
    f"_taxonomy_{FLAT}_assignments": [
        {"node_id": "node_second", "label": "Shoes", "score": 0.5, "rank": 2},
        {"node_id": "node_best", "label": "Boots", "score": 0.9, "rank": 1},
        {"node_id": "node_third", "label": "Socks", "score": 0.2, "rank": 3, "path": ["Apparel", "Socks"]},
    ],
    f"_taxonomy_{TREE}_id": "node_tree",
    f"_taxonomy_{TREE}_label": "Rain Jackets",
    f"_taxonomy_{TREE}_score": 0.75,
    f"_taxonomy_{TREE}_path": ["Apparel", "Outerwear", "Rain Jackets"],
}
HAND_DOCUMENTS = [
    {"document_id": "doc_hand_ranked", "metadata": {}, "_internal": RANKED},
    {"document_id": "doc_hand_plain", "metadata": {}, "_internal": {f"_taxonomy_{TREE}_label": "Lamps"}},
    {"document_id": "doc_hand_none", "metadata": {}, "_internal": {f"_taxonomy_{TREE}_score": 0.4}},
]
RANKED_ROWS = [
    ("doc_hand_ranked", FLAT, "node_best", "Boots", 0.9, 1, ["Footwear", "Boots"]),
    ("doc_hand_ranked", FLAT, "node_second", "Shoes", 0.5, 2, None),
    ("doc_hand_ranked", FLAT, "node_third", "Socks", 0.2, 3, ["Apparel", "Socks"]),
    ("doc_hand_ranked", TREE, "node_tree", "Rain Jackets", 0.75, 1, ["Apparel", "Outerwear", "Rain Jackets"]),
]
PLAIN_ROWS = [("doc_hand_plain", TREE, None, "Lamps", None, 1, None)]


def table_labels(session, prefix=""):
    rows = query(session, LABEL_SQL)
    found = [tuple(json.loads(r[f]) if f == "PATH" and r[f] else r[f] for f in FIELDS) for r in rows]
    return [row for row in found if row[0].startswith(prefix)]


def expected_labels(store):
    """Every document's labels as the documented rules make them (mixpeek_local.oracle, not the bundle's code)."""
    names = {}
    rows = [row for doc in store.documents(COLLECTION) for row in oracle.labels(doc, names)]
    return sorted(
        ((r[0], r[2], r[4], r[5], r[6], r[7], list(r[8]) if r[8] else None) for r in rows),
        key=lambda r: (r[0], r[1], r[5]),
    )


def add_hand_documents(store):
    for doc in HAND_DOCUMENTS:
        store.add_document(COLLECTION, doc)


def test_labels_match_the_documents_after_every_kind_of_change(session, store, emulator):
    add_hand_documents(store)
    summary = sync(session, "full")
    assert table_labels(session, "doc_hand_") == PLAIN_ROWS + RANKED_ROWS
    assert summary["labels_written"] == len(expected_labels(store)) > 240
    assert table_labels(session) == expected_labels(store)
    store.update_document(COLLECTION, "doc_hand_ranked", {"_internal": {f"_taxonomy_{FLAT}_assignments": []}})
    store.update_document(COLLECTION, "doc_hand_ranked", {"_internal": {f"_taxonomy_{FLAT}_label": "Relabelled"}})
    store.delete_document(COLLECTION, "doc_hand_plain")
    sync(session)
    relabelled = [("doc_hand_ranked", FLAT, "node_best", "Relabelled", 0.9, 1, ["Footwear", "Boots"]), RANKED_ROWS[3]]
    assert table_labels(session, "doc_hand_") == relabelled
    assert table_labels(session) == expected_labels(store)
    store.add_document(COLLECTION, HAND_DOCUMENTS[1])
    sync(session, "full")
    assert table_labels(session, "doc_hand_") == PLAIN_ROWS + relabelled
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
    add_hand_documents(store)
    sync(session, "full")
    session.sql("DELETE FROM MIXPEEK_DOCUMENT_LABELS WHERE RANK > 1").collect()
    session.sql("UPDATE MIXPEEK_DOCUMENT_LABELS SET LABEL = 'stale' WHERE DOCUMENT_ID = 'doc_hand_plain'").collect()
    summary = refresh_mixpeek_labels(session, COLLECTION)
    assert summary["status"] == "SUCCEEDED" and summary["mode"] == "labels"
    assert summary["documents_seen"] == 243 and summary["labels_written"] == len(expected_labels(store))
    assert table_labels(session, "doc_hand_") == PLAIN_ROWS + RANKED_ROWS
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
