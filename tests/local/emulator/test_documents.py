"""Single-document endpoints, batch-get, updates, the Store mutation API and the change feed."""

from __future__ import annotations

import re

COLLECTION = "col_demo000001"
TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}Z$")
DOCS = f"/v1/collections/{COLLECTION}/documents"


def first_id(emu):
    return emu.store.documents(COLLECTION)[0]["document_id"]


def test_count_get_and_404(shared_emu, shared_client):
    assert shared_client.get(f"{DOCS}/count").json() == {"collection_id": COLLECTION, "count": 250}
    document_id = first_id(shared_emu)
    doc = shared_client.get(f"{DOCS}/{document_id}").json()
    assert doc == shared_emu.store.documents(COLLECTION)[0]
    missing = shared_client.get(f"{DOCS}/doc_000000000000")
    assert missing.status_code == 404 and "doc_000000000000" in missing.json()["error"]["message"]
    vectors = shared_client.get(f"{DOCS}/{document_id}", params={"return_vectors": "true"}).json()
    assert len(vectors["multimodal_embedding"]) == 8


def test_delete_removes_and_emits_event(emu, client):
    document_id = first_id(emu)
    response = client.delete(f"{DOCS}/{document_id}")
    assert response.json() == {"message": "Successfully deleted", "success": True}
    assert client.get(f"{DOCS}/{document_id}").status_code == 404
    assert client.get(f"{DOCS}/count").json()["count"] == 119
    assert document_id not in client.scan({"limit": 1000})
    assert client.delete(f"{DOCS}/{document_id}").status_code == 404
    events = client.get("/v1/events", params={"event_type": "document.deleted"}).json()["results"]
    assert [e["payload"]["document_id"] for e in events] == [document_id]
    assert events[0]["operation"] == "delete" and events[0]["resource_type"] == "document"


def test_batch_get_reports_not_found(shared_emu, shared_client):
    ids = [d["document_id"] for d in shared_emu.store.documents(COLLECTION)[:3]]
    body = shared_client.post("/v1/documents/batch-get", {"document_ids": [*ids, "doc_ffffffffffff"]}).json()
    assert [d["document_id"] for d in body["documents"]] == ids
    assert body["not_found"] == ["doc_ffffffffffff"]
    assert shared_client.post("/v1/documents/batch-get", {"document_ids": []}).status_code == 422


def test_store_update_bumps_updated_at_and_emits(emu, client):
    document_id = first_id(emu)
    high_water = max(d["_internal"]["updated_at"] for d in emu.store.documents(COLLECTION))
    updated = emu.store.update_document(COLLECTION, document_id, {"metadata": {"price": 3.0}})
    assert updated["metadata"]["price"] == 3.0 and updated["metadata"]["brand"]
    assert TIMESTAMP.match(updated["_internal"]["updated_at"])
    assert updated["_internal"]["updated_at"] > high_water
    again = emu.store.update_document(COLLECTION, document_id, {"title": "x"})
    assert again["_internal"]["updated_at"] > updated["_internal"]["updated_at"]
    spec = {"AND": [{"field": "_internal.updated_at", "operator": "gt", "value": high_water}]}
    assert client.scan({"filters": spec}) == [document_id]
    events = client.get("/v1/events").json()["results"]
    assert [e["event_type"] for e in events] == ["document.updated", "document.updated"]


def test_store_add_document_generates_realistic_docs(emu):
    doc = emu.store.add_document(COLLECTION)
    assert re.match(r"^doc_[0-9a-f]{12}$", doc["document_id"])
    assert doc["collection_id"] == COLLECTION and doc["_internal"]["namespace_id"] == "ns_demo"
    assert doc["_internal"]["created_at"] == doc["_internal"]["updated_at"]
    custom = emu.store.add_document(COLLECTION, {"metadata": {"sku": "X-1"}})
    assert custom["document_id"].startswith("doc_") and custom["metadata"] == {"sku": "X-1"}
    assert emu.store.count(COLLECTION) == 122
    assert [e["event_type"] for e in emu.store.events()] == ["document.created"] * 2


def test_store_documents_are_copies(emu):
    docs = emu.store.documents(COLLECTION)
    docs[0]["metadata"]["price"] = -1
    assert emu.store.documents(COLLECTION)[0]["metadata"]["price"] != -1
    assert [d["document_id"] for d in docs] == sorted(d["document_id"] for d in docs)


def test_patch_merges_metadata_and_null_removes(emu, client):
    document_id = first_id(emu)
    response = client.patch(f"{DOCS}/{document_id}", {"metadata": {"sf_segment": "gold", "color": None}})
    doc = response.json()
    assert doc["metadata"]["sf_segment"] == "gold" and "color" not in doc["metadata"]
    assert doc["metadata"]["brand"] == emu.store.documents(COLLECTION)[0]["metadata"]["brand"]


def test_batch_update_dotted_keys(emu, client):
    ids = [d["document_id"] for d in emu.store.documents(COLLECTION)[:2]]
    updates = [
        {"document_id": ids[0], "update_data": {"metadata.sf_segment": "gold"}},
        {"document_id": ids[1], "update_data": {"metadata": {"only": 1}}},
        {"document_id": "doc_ffffffffffff", "update_data": {"metadata.x": 1}},
    ]
    body = client.post(f"{DOCS}/batch", {"updates": updates}).json()
    assert body["updated_count"] == 2 and body["failed_count"] == 1
    first, second = emu.store.documents(COLLECTION)[:2]
    assert first["metadata"]["sf_segment"] == "gold" and "brand" in first["metadata"]
    assert second["metadata"] == {"only": 1}


def test_events_paging_and_cursor_semantics(emu, client):
    ids = [d["document_id"] for d in emu.store.documents(COLLECTION)[:5]]
    for document_id in ids:
        emu.store.update_document(COLLECTION, document_id, {"metadata": {"touched": True}})
    first = client.get("/v1/events", params={"limit": 3}).json()
    assert [e["seq"] for e in first["results"]] == [1, 2, 3] and first["has_more"] is True
    assert first["next_cursor"] == first["results"][-1]["cursor"]
    second = client.get("/v1/events", params={"limit": 3, "cursor": first["next_cursor"]}).json()
    assert [e["payload"]["document_id"] for e in second["results"]] == ids[3:]
    assert second["has_more"] is False
    empty = client.get("/v1/events", params={"cursor": second["next_cursor"]}).json()
    assert empty == {"results": [], "next_cursor": second["next_cursor"], "has_more": False}
    event = first["results"][0]
    assert TIMESTAMP.match(event["created_at"]) and event["namespace_id"] == "ns_demo"
    assert event["operation"] == "update"


def test_events_are_scoped_by_namespace(emu, client, client_for):
    emu.store.update_document("col_other00001", emu.store.documents("col_other00001")[0]["document_id"], {})
    emu.store.update_document(COLLECTION, first_id(emu), {})
    assert len(client.get("/v1/events").json()["results"]) == 1
    assert len(client_for(emu, namespace=None).get("/v1/events").json()["results"]) == 2
    unknown = client_for(emu, namespace="ns_nope").get("/v1/events")
    assert unknown.json()["results"] == [] and unknown.headers["X-Namespace-Unresolved"] == "ns_nope"
    assert client.get("/v1/events", params={"limit": 0}).status_code == 422
    assert client.get("/v1/events", params={"cursor": "???"}).status_code == 422
