"""The emulator's batch update (§4.4) and retriever execution (§7), over HTTP."""

from __future__ import annotations

import pytest
import requests

from mixpeek_local.emulator import Emulator, Store, seed_collection, seed_retriever

COLLECTION = "col_loop000001"
RETRIEVER = "ret_loop000001"
BATCH = f"/v1/collections/{COLLECTION}/documents/batch"
EXECUTE = f"/v1/retrievers/{RETRIEVER}/execute"


@pytest.fixture
def post(emulator):
    session = requests.Session()
    session.headers.update({"Authorization": "Bearer mxp_loop_canary_key_51c2", "X-Namespace": "ns_demo"})

    def send(path, body):
        return session.post(emulator.base_url + path, json=body, timeout=10)

    return send


def test_dotted_keys_set_one_field_plain_keys_replace_null_removes(post, store, doc_ids):
    a, b, c = doc_ids[:3]
    store.update_document(COLLECTION, a, {"metadata": {"old": 1}})
    before = {i: store.get_document(COLLECTION, i) for i in (a, b, c)}
    updates = [
        {
            "document_id": a,
            "update_data": {"metadata.sf_segment": "gold", "metadata.nested.level": 2, "metadata.old": None},
        },
        {"document_id": b, "update_data": {"metadata": {"only": 1}, "title": None}},
        {"document_id": c, "update_data": {"metadata": None, "scene": "studio"}},
    ]
    body = post(BATCH, {"updates": updates}).json()
    assert body == {
        "updated_count": 3,
        "failed_count": 0,
        "results": [{"document_id": i, "success": True} for i in (a, b, c)],
        "message": "Batch update completed",
    }
    first = store.get_document(COLLECTION, a)["metadata"]
    assert first["sf_segment"] == "gold" and first["nested"] == {"level": 2} and "old" not in first
    assert first["brand"] == before[a]["metadata"]["brand"]
    second = store.get_document(COLLECTION, b)
    assert second["metadata"] == {"only": 1} and "title" not in second
    third = store.get_document(COLLECTION, c)
    assert "metadata" not in third and third["scene"] == "studio"
    for i in (a, b, c):
        assert store.get_document(COLLECTION, i)["_internal"]["updated_at"] > before[i]["_internal"]["updated_at"]
    assert [e["event_type"] for e in store.events()][-3:] == ["document.updated"] * 3


def test_per_document_failures_do_not_stop_the_batch(post, store, doc_ids):
    store.update_document(COLLECTION, doc_ids[1], {"metadata": {"tags": ["x"]}})
    updates = [
        {"document_id": "doc_ffffffffffff", "update_data": {"metadata.x": 1}},
        {"document_id": doc_ids[1], "update_data": {"metadata.tags.first": "x", "metadata.ok": 1}},
        {"document_id": doc_ids[2], "update_data": {"multimodal_embedding": [0.1]}},
        {"document_id": doc_ids[3], "update_data": {"_internal.modality": "video"}},
        {"document_id": doc_ids[4], "update_data": {"metadata..x": 1}},
        {"document_id": doc_ids[5], "update_data": {"metadata.fine": True}},
    ]
    body = post(BATCH, {"updates": updates}).json()
    assert (body["updated_count"], body["failed_count"]) == (1, 5)
    errors = [r.get("error", "") for r in body["results"]]
    assert "not found" in errors[0] and "metadata.tags is not an object" in errors[1]
    assert "vectors cannot be updated" in errors[2] and "_internal cannot be updated" in errors[3]
    assert "invalid field path" in errors[4] and body["results"][5] == {"document_id": doc_ids[5], "success": True}
    assert "ok" not in store.get_document(COLLECTION, doc_ids[1])["metadata"]


def test_filter_mode_and_request_validation(post, store, doc_ids):
    spec = {"AND": [{"field": "metadata.in_stock", "operator": "eq", "value": False}]}
    expected = [d["document_id"] for d in store.documents(COLLECTION) if d["metadata"]["in_stock"] is False]
    body = post(BATCH, {"filters": spec, "update_data": {"metadata.restock": True}}).json()
    assert body == {
        "updated_count": len(expected),
        "failed_count": 0,
        "results": [],
        "message": "Batch update completed",
    }
    assert [d["document_id"] for d in store.documents(COLLECTION) if d["metadata"].get("restock")] == expected
    one = {"document_id": doc_ids[0], "update_data": {"metadata.x": 1}}
    refused = [
        {"updates": []},
        {"updates": [one] * 1001},
        {"updates": [one], "filters": spec},
        {"update_data": {"metadata.x": 1}},
        {"updates": [{"document_id": 5, "update_data": {}}]},
        {"updates": [{"document_id": doc_ids[0], "update_data": "x"}]},
    ]
    for bad in refused:
        response = post(BATCH, bad)
        assert response.status_code == 422 and response.json()["error"]["type"] == "ValidationError", bad
    assert post(BATCH, {"updates": [one] * 1000}).json()["updated_count"] == 1000


def test_retriever_execution_pages_filters_and_errors(post, store):
    first = post(
        EXECUTE, {"inputs": {"query": "red hiking boot"}, "pagination": {"method": "cursor", "limit": 3}}
    ).json()
    assert first["status"] == "completed" and first["execution_id"].startswith("exec_")
    total = first["pagination"]["total"]
    assert first["pagination"] | {"cursor": None} == {
        "method": "cursor",
        "limit": 3,
        "returned": 3,
        "total": total,
        "cursor": None,
        "has_next": True,
    }
    seen = [d["document_id"] for d in first["documents"]]
    cursor = first["pagination"]["cursor"]
    while cursor:
        page = post(
            EXECUTE,
            {"inputs": {"query": "red hiking boot"}, "pagination": {"method": "cursor", "limit": 3, "cursor": cursor}},
        )
        seen += [d["document_id"] for d in page.json()["documents"]]
        cursor = page.json()["pagination"]["cursor"]
    assert len(seen) == len(set(seen)) == total
    doc = first["documents"][0]
    assert "_internal" not in doc and doc["collection_id"] == COLLECTION and isinstance(doc["score"], float)
    offset = post(
        EXECUTE,
        {"inputs": {"query": "red hiking boot"}, "pagination": {"method": "offset", "page_size": 3, "page_number": 2}},
    )
    assert [d["document_id"] for d in offset.json()["documents"]] == seen[3:6]
    assert (
        post(EXECUTE, {"inputs": {"query": "red hiking boot"}, "limit": 500}).json()["pagination"]["returned"] == total
    )
    for bad in (
        {"inputs": {"query": "red hiking boot"}, "limit": 0},
        {"inputs": {"query": "red hiking boot"}, "limit": 501},
        {"inputs": {"query": "red hiking boot"}, "limit": 5, "page_size": 6},
        {"inputs": {}},
        {"inputs": {"query": "red hiking boot"}, "filters": {"AND": [{"field": "x", "operator": "nope"}]}},
        {"inputs": {"query": "red hiking boot"}, "pagination": {"method": "cursor", "cursor": "garbage"}},
    ):
        assert post(EXECUTE, bad).status_code == 422, bad
    missing = post("/v1/retrievers/ret_missing0001/execute", {"inputs": {"query": "red hiking boot"}})
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "retriever_not_found"


def test_retriever_filters_are_anded_with_its_own():
    store = Store()
    seed_collection(store, documents=60, seed=5, collection_id=COLLECTION)
    own = {"AND": [{"field": "metadata.in_stock", "operator": "eq", "value": True}]}
    seed_retriever(store, COLLECTION, retriever_id="ret_stock00001", retriever_name="in-stock", filters=own)
    cheap = {"AND": [{"field": "metadata.price", "operator": "lt", "value": 200}]}
    with Emulator(store) as emu:
        headers = {"Authorization": "Bearer mxp_test_key", "X-Namespace": "ns_demo"}
        url = f"{emu.base_url}/v1/retrievers/in-stock/execute"
        body = {"inputs": {"query": "the"}, "filters": cheap, "limit": 500}
        docs = requests.post(url, json=body, headers=headers, timeout=10).json()["documents"]
    assert docs and all(d["metadata"]["in_stock"] and d["metadata"]["price"] < 200 for d in docs)
    words = {
        d["document_id"]
        for d in store.documents(COLLECTION)
        if "the" in (d["title"] + " " + d["description"]).lower().split()
    }
    wanted = {
        d["document_id"]
        for d in store.documents(COLLECTION)
        if d["metadata"]["in_stock"] and d["metadata"]["price"] < 200
    }
    assert {d["document_id"] for d in docs} <= wanted and {d["document_id"] for d in docs} >= wanted & words
