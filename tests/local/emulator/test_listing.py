"""Listing: limits, offsets, cursors, partitions, keyset stability, totals, select, sort, vectors."""

from __future__ import annotations

import threading
import time

import pytest
import requests

from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.emulator import listing as listing_module

COLLECTION = "col_demo000001"
RESPONSE_KEYS = {"results", "pagination", "total_documents", "warnings"}


def all_ids(emu):
    return [d["document_id"] for d in emu.store.documents(COLLECTION)]


def test_default_page_and_response_keys(shared_client):
    body = shared_client.list_docs().json()
    assert set(body) <= RESPONSE_KEYS and "warnings" not in body
    assert len(body["results"]) == 10
    assert body["pagination"]["page_size"] == 10 and body["pagination"]["page"] == 1
    assert body["pagination"]["total"] is None and body["total_documents"] is None


@pytest.mark.parametrize(
    "body",
    [{"limit": 1001}, {"limit": 0}, {"page_size": 5000}, {"limit": "10"}, {"offset": -1}, {"limit": True}],
)
def test_bad_limits_are_422(shared_client, body):
    response = shared_client.list_docs(body)
    assert response.status_code == 422, body
    assert response.json()["error"]["type"] == "ValidationError"


def test_query_caps(shared_client):
    base = f"/v1/collections/{COLLECTION}/documents"
    assert shared_client.get(base, params={"offset": 10001}).status_code == 422
    assert shared_client.get(base, params={"limit": 1001}).status_code == 422
    assert shared_client.get(base, params={"offset": 10000}).status_code == 200
    assert shared_client.list_docs({"offset": 20000}).json()["results"] == []


def test_limit_1000_and_page_size_alias(shared_emu, shared_client):
    assert len(shared_client.list_docs({"limit": 1000}).json()["results"]) == 250
    aliased = shared_client.list_docs({"page_size": 3}).json()
    assert len(aliased["results"]) == 3 and aliased["pagination"]["page_size"] == 3


def test_offset_pages(shared_emu, shared_client):
    ids = all_ids(shared_emu)
    page = shared_client.list_docs({"limit": 5, "offset": 20}).json()
    assert [d["document_id"] for d in page["results"]] == ids[20:25]
    assert page["pagination"]["page"] == 5


def test_cursor_scan_returns_every_document_once(shared_emu, shared_client):
    assert shared_client.scan({"limit": 37}) == all_ids(shared_emu)


def test_cursor_overrides_offset(shared_emu, shared_client):
    first = shared_client.list_docs({"limit": 10}).json()
    second = shared_client.list_docs({"limit": 10, "offset": 100, "cursor": first["pagination"]["next_cursor"]})
    assert [d["document_id"] for d in second.json()["results"]] == all_ids(shared_emu)[10:20]


def test_get_listing_with_query_params(shared_emu, shared_client):
    base = f"/v1/collections/{COLLECTION}/documents"
    first = shared_client.get(base, params={"limit": 4, "include_total": "true"}).json()
    assert first["pagination"]["total"] == 250
    nxt = shared_client.get(base, params={"limit": 4, "cursor": first["pagination"]["next_cursor"]}).json()
    assert [d["document_id"] for d in nxt["results"]] == all_ids(shared_emu)[4:8]
    assert shared_client.get(base, params={"limit": 4, "include_total": "maybe"}).status_code == 422


def test_partitions_are_disjoint_and_complete(shared_emu, shared_client):
    parts = [shared_client.scan({"limit": 50, "partition": {"index": i, "count": 7}}) for i in range(7)]
    flat = [i for part in parts for i in part]
    assert len(flat) == len(set(flat)) == 250
    assert sorted(flat) == all_ids(shared_emu)
    assert all(parts)


def test_cursor_carries_its_partition(shared_client):
    first = shared_client.list_docs({"limit": 5, "partition": {"index": 2, "count": 4}}).json()
    alone = shared_client.list_docs({"limit": 500, "cursor": first["pagination"]["next_cursor"]}).json()
    together = shared_client.scan({"limit": 500, "partition": {"index": 2, "count": 4}})
    assert [d["document_id"] for d in first["results"] + alone["results"]] == together


@pytest.mark.parametrize(
    "partition",
    [
        {"index": 4, "count": 4},
        {"index": 0, "count": 0},
        {"index": 0, "count": 257},
        {"index": -1, "count": 2},
        {},
    ],
)
def test_bad_partitions_are_422(shared_client, partition):
    assert shared_client.list_docs({"partition": partition}).status_code == 422


def test_cursor_mismatches_are_422(shared_client):
    spec = {"AND": [{"field": "metadata.in_stock", "operator": "eq", "value": True}]}
    first = shared_client.list_docs({"limit": 3, "filters": spec, "partition": {"index": 0, "count": 2}}).json()
    cursor = first["pagination"]["next_cursor"]
    other_filters = shared_client.list_docs({"cursor": cursor, "partition": {"index": 0, "count": 2}})
    other_partition = shared_client.list_docs(
        {"cursor": cursor, "filters": spec, "partition": {"index": 1, "count": 2}}
    )
    garbage = shared_client.list_docs({"cursor": "not-a-cursor!!"})
    for response in (other_filters, other_partition, garbage):
        assert response.status_code == 422
    same = shared_client.list_docs({"cursor": cursor, "filters": spec, "partition": {"index": 0, "count": 2}})
    assert same.status_code == 200


def test_keyset_cursor_is_stable_under_adds_and_deletes(emu, client):
    before = all_ids(emu)
    first = client.list_docs({"limit": 40}).json()
    seen = [d["document_id"] for d in first["results"]]
    pivot = seen[-1]
    later = [i for i in before if i > pivot]
    emu.store.delete_document(COLLECTION, seen[5])
    emu.store.delete_document(COLLECTION, later[3])
    added = [emu.store.add_document(COLLECTION)["document_id"] for _ in range(30)]
    body = {"limit": 40, "cursor": first["pagination"]["next_cursor"]}
    rest = client.scan(body)
    assert not set(seen) & set(rest)
    survivors_after = [i for i in later if i != later[3]]
    assert [i for i in rest if i in set(before)] == survivors_after
    assert {i for i in rest if i not in set(before)} == {i for i in added if i > pivot}


def test_include_total_counts_matches(shared_emu, shared_client):
    spec = {"AND": [{"field": "metadata.in_stock", "operator": "eq", "value": False}]}
    expected = sum(1 for d in shared_emu.store.documents(COLLECTION) if not d["metadata"]["in_stock"])
    body = shared_client.list_docs({"filters": spec, "include_total": True, "limit": 10}).json()
    assert body["total_documents"] == body["pagination"]["total"] == expected
    assert body["pagination"]["total_pages"] == -(-expected // 10)
    none = {"AND": [{"field": "metadata.brand", "operator": "eq", "value": "nobody"}]}
    empty = shared_client.list_docs({"filters": none, "include_total": True}).json()
    assert empty["pagination"]["total"] == 0 and empty["pagination"]["next_cursor"] is None


def test_select_projects_and_keeps_ids(shared_client):
    body = shared_client.list_docs({"limit": 3, "select": ["metadata.price", "_internal.updated_at"]}).json()
    for doc in body["results"]:
        assert set(doc) == {"document_id", "collection_id", "metadata", "_internal"}
        assert set(doc["metadata"]) == {"price"} and set(doc["_internal"]) == {"updated_at"}
    ids_only = shared_client.list_docs({"limit": 2, "select": ["document_id"]}).json()["results"]
    assert all(set(doc) == {"document_id", "collection_id"} for doc in ids_only)


def test_vectors_on_request_only(shared_client):
    plain = shared_client.list_docs({"limit": 1}).json()["results"][0]
    assert "multimodal_embedding" not in plain and "vector_hydration_incomplete" not in plain
    with_vectors = shared_client.list_docs({"limit": 1, "return_vectors": True}).json()["results"][0]
    assert len(with_vectors["multimodal_embedding"]) == 8 and with_vectors["vector_hydration_incomplete"] is False
    names = shared_client.list_docs({"limit": 1, "return_vector_names": True}).json()["results"][0]
    assert names["_vectors"] == ["multimodal_embedding"] and "multimodal_embedding" not in names
    listed = {"limit": 1, "return_vector_names": ["multimodal_embedding"], "select": ["document_id"]}
    assert len(shared_client.list_docs(listed).json()["results"][0]["multimodal_embedding"]) == 8
    assert shared_client.list_docs({"return_vector_names": ["nope"]}).status_code == 422


def test_sort_orders_results(shared_emu, shared_client):
    docs = shared_emu.store.documents(COLLECTION)
    body = {"limit": 100, "sort": {"field": "metadata.price", "direction": "desc"}}
    prices = []
    page = shared_client.list_docs(body).json()
    while True:
        prices += [d["metadata"]["price"] for d in page["results"]]
        if page["pagination"]["next_cursor"] is None:
            break
        page = shared_client.list_docs({**body, "cursor": page["pagination"]["next_cursor"]}).json()
    assert prices == sorted((d["metadata"]["price"] for d in docs), reverse=True)
    assert "warnings" not in page
    created = shared_client.list_docs({"limit": 5, "sort": {"field": "created_at"}}).json()["results"]
    stamps = [d["_internal"]["created_at"] for d in created]
    assert stamps == sorted(d["_internal"]["created_at"] for d in docs)[:5]


def test_sort_scans_only_the_cap_and_warns(monkeypatch, shared_client):
    monkeypatch.setattr(listing_module, "SORT_SCAN_CAP", 50)
    body = shared_client.list_docs({"limit": 1000, "sort": {"field": "metadata.price"}, "include_total": True})
    payload = body.json()
    assert len(payload["results"]) == 50 and payload["pagination"]["next_cursor"] is None
    assert payload["total_documents"] == 250
    assert any("50" in w for w in payload["warnings"])


def test_search_matches_titles(shared_emu, shared_client):
    brand = shared_emu.store.documents(COLLECTION)[0]["metadata"]["brand"]
    found = shared_client.scan({"search": brand.upper(), "limit": 100})
    expected = [d["document_id"] for d in shared_emu.store.documents(COLLECTION) if brand in d["title"]]
    assert found == expected


def test_unknown_body_keys_warn_by_default(shared_client):
    body = shared_client.list_docs({"limit": 1, "filter": {}, "pagesize": 3}).json()
    assert len(body["results"]) == 1
    assert any("filter" in w and "pagesize" in w for w in body["warnings"])


def test_unknown_body_keys_are_422_in_strict_mode():
    store = Store()
    seed_collection(store, documents=5, collection_id=COLLECTION)
    with Emulator(store, strict_body=True) as emu:
        response = requests.post(
            f"{emu.base_url}/v1/collections/{COLLECTION}/documents/list",
            json={"limit": 1, "filter": {}},
            headers={"Authorization": "Bearer mxp_test_key", "X-Namespace": "ns_demo"},
            timeout=10,
        )
        assert response.status_code == 422
        error = response.json()["error"]
        assert error["code"] == "extra_forbidden" and "page_size" in error["details"]["accepted_keys"]
        assert "filter" in error["message"]


def test_unknown_collection_is_404(shared_client):
    response = shared_client.list_docs({}, collection="col_missing0001")
    assert response.status_code == 404 and "col_missing0001" in response.json()["error"]["message"]


def test_latency_applies_to_listing(emu, client):
    emu.latency = 0.2
    start = time.monotonic()
    client.list_docs({"limit": 1})
    assert time.monotonic() - start >= 0.2
    start = time.monotonic()
    client.get(f"/v1/collections/{COLLECTION}/documents/count")
    assert time.monotonic() - start < 0.2


def test_concurrent_partition_scans_during_mutations(emu, client_for):
    stable = set(all_ids(emu)[::2])
    churn = [i for i in all_ids(emu) if i not in stable]
    results: dict[int, list[str]] = {}

    def scan(index):
        results[index] = client_for(emu).scan({"limit": 7, "partition": {"index": index, "count": 4}})

    def mutate():
        for document_id in churn[:30]:
            emu.store.update_document(COLLECTION, document_id, {"metadata": {"touched": True}})
            emu.store.delete_document(COLLECTION, document_id)
            emu.store.add_document(COLLECTION)

    threads = [threading.Thread(target=scan, args=(i,)) for i in range(4)] + [threading.Thread(target=mutate)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    flat = [i for ids in results.values() for i in ids]
    assert len(results) == 4 and len(flat) == len(set(flat))
    assert stable <= set(flat)
