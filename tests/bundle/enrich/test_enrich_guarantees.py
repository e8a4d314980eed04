"""Enrich guarantees a one-line bug would break: refused documents are sent again, calls carry at most 1000."""

from __future__ import annotations

import json

import pytest
from bundle.loop_world import COLLECTION, NAMESPACE
from local_world import enrich_mixpeek_documents

from mixpeek_local.emulator import Store, seed_collection

BATCH_PATH = "/documents/batch"
SOURCE = [("DOC_ID", "VARCHAR"), ("TIER", "VARCHAR")]


def record_batches(emulator):
    """The number of updates in each batch call the emulator answers."""
    sizes = []
    original = emulator.api.handle

    def handle(method, target, headers, body):
        if method == "POST" and target.split("?")[0].endswith(BATCH_PATH):
            sizes.append(len(json.loads(body)["updates"]))
        return original(method, target, headers, body)

    emulator.api.handle = handle
    return sizes


def test_refused_documents_are_not_recorded_as_pushed_and_go_again(session, emulator, store, load, doc_ids, rows_of):
    refusing = doc_ids[4]
    store.update_document(COLLECTION, refusing, {"metadata": {"shop": "not an object"}})
    load("CUSTOMERS", SOURCE, [{"DOC_ID": doc_ids[0], "TIER": "gold"}, {"DOC_ID": refusing, "TIER": "gold"}])
    options = {"rename": {"TIER": "shop.tier"}}
    first = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", options)
    assert (first["sent"], first["failed"]) == (1, 1)
    pushed = rows_of("SELECT DOCUMENT_ID FROM MIXPEEK_ENRICH_STATE")
    assert pushed == [{"DOCUMENT_ID": doc_ids[0]}]
    store.update_document(COLLECTION, refusing, {"metadata": {"shop": {"open": True}}})
    sizes = record_batches(emulator)
    again = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", options)
    assert (again["sent"], again["unchanged"], again["failed"]) == (1, 1, 0)
    assert sizes == [1]
    assert store.get_document(COLLECTION, refusing)["metadata"]["shop"] == {"open": True, "tier": "gold"}
    assert sorted(r["DOCUMENT_ID"] for r in rows_of("SELECT DOCUMENT_ID FROM MIXPEEK_ENRICH_STATE")) == sorted(
        [doc_ids[0], refusing]
    )


MANY = 1005


@pytest.fixture
def store() -> Store:
    """A collection of MANY documents that all share one SKU."""
    store = Store()
    seed_collection(store, documents=MANY, seed=5, namespace=NAMESPACE, collection_id=COLLECTION)
    for doc in store.documents(COLLECTION):
        store.update_document(COLLECTION, doc["document_id"], {"metadata": {"sku": "SHARED-ALL"}})
    return store


def test_more_than_1000_documents_go_out_in_calls_of_at_most_1000(session, emulator, store, load):
    load("INVENTORY", [("SKU", "VARCHAR"), ("STOCK", "NUMBER(38,0)")], [{"SKU": "SHARED-ALL", "STOCK": 7}])
    sizes = record_batches(emulator)
    summary = enrich_mixpeek_documents(session, COLLECTION, "INVENTORY", "SKU", {"key_field": "metadata.sku"})
    assert (summary["documents_matched"], summary["sent"], summary["failed"]) == (MANY, MANY, 0)
    assert sizes == [1000, MANY - 1000]
    assert all(doc["metadata"]["sf_stock"] == 7 for doc in store.documents(COLLECTION))
