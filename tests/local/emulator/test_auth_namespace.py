"""Auth, namespace scoping, unknown routes and methods."""

from __future__ import annotations

API_KEY = "mxp_test_key"
COLLECTION = "col_demo000001"


def test_health_needs_no_key(shared_emu, client_for):
    response = client_for(shared_emu, namespace=None, api_key=None).get("/v1/health")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}


def test_missing_and_wrong_key_are_401_error_responses(shared_emu, client_for):
    for client in (client_for(shared_emu, api_key=None), client_for(shared_emu, api_key="mxp_wrong")):
        response = client.list_docs({})
        assert response.status_code == 401
        body = response.json()
        assert body["success"] is False and body["status"] == 401
        assert body["error"]["type"] == "AuthenticationError"
        assert "detail" not in body


def test_access_log_never_holds_the_key(shared_emu, shared_client, client_for):
    shared_client.get("/v1/me")
    client_for(shared_emu, api_key="mxp_wrong").get("/v1/me")
    assert shared_emu.request_count("/v1/me") >= 2
    assert all(API_KEY not in repr(r) and "mxp_wrong" not in repr(r) for r in shared_emu.requests)


def test_me_answers_for_a_valid_key(shared_client):
    body = shared_client.get("/v1/me").json()
    assert body["organization_id"].startswith("org_") and body["key"]["key_type"] == "SECRET"


def test_collection_by_id_and_by_name(shared_client):
    by_id = shared_client.get(f"/v1/collections/{COLLECTION}").json()
    by_name = shared_client.get("/v1/collections/product-media").json()
    assert by_id == by_name
    assert by_id["document_count"] == 250
    assert by_id["vector_indexes"][0]["index"]["dimensions"] == 8


def test_namespace_scoping_hides_other_namespaces(shared_emu, shared_client, client_for):
    assert shared_client.get("/v1/collections/col_other00001").status_code == 404
    other = client_for(shared_emu, namespace="ns_other")
    assert other.get("/v1/collections/col_other00001").status_code == 200
    response = other.get(f"/v1/collections/{COLLECTION}")
    assert response.status_code == 404
    assert COLLECTION in response.json()["error"]["message"]
    ids = shared_client.post("/v1/documents/batch-get", {"document_ids": other.scan(collection="col_other00001")})
    assert ids.json()["documents"] == [] and len(ids.json()["not_found"]) == 5


def test_namespace_name_resolves_like_its_id(shared_emu, client_for):
    named = client_for(shared_emu, namespace="demo")
    assert named.get(f"/v1/collections/{COLLECTION}").status_code == 200


def test_unknown_namespace_gives_empty_pages_with_warning_and_header(shared_emu, client_for):
    client = client_for(shared_emu, namespace="ns_missing")
    response = client.list_docs({"include_total": True})
    assert response.status_code == 200
    assert response.headers["X-Namespace-Unresolved"] == "ns_missing"
    body = response.json()
    assert body["results"] == [] and body["pagination"]["next_cursor"] is None
    assert body["total_documents"] == 0
    assert any("ns_missing" in w for w in body["warnings"])
    collections = client.post("/v1/collections/list", {})
    assert collections.headers["X-Namespace-Unresolved"] == "ns_missing"
    warning = collections.json()["warnings"][0]
    assert warning["resource"] == "namespace" and warning["reason"] == "unresolved"
    assert client.get(f"/v1/collections/{COLLECTION}").status_code == 404


def test_missing_namespace_header_is_400(shared_emu, client_for):
    response = client_for(shared_emu, namespace=None).list_docs({})
    assert response.status_code == 400
    assert "X-Namespace" in response.json()["error"]["message"]


def test_collections_list_is_scoped(shared_client):
    body = shared_client.post("/v1/collections/list", {}).json()
    assert [c["collection_id"] for c in body["results"]] == [COLLECTION]
    assert body["total_count"] == 1
    assert shared_client.get("/v1/collections").json()["total_count"] == 1


def test_unknown_route_is_404_and_wrong_method_405(shared_client):
    missing = shared_client.get("/v1/nothing/here")
    assert missing.status_code == 404 and missing.json()["error"]["type"] == "NotFoundError"
    wrong = shared_client.get(f"/v1/collections/{COLLECTION}/documents/list")
    assert wrong.status_code == 405
    assert wrong.json()["status"] == 405 and "POST" in wrong.headers["Allow"]


def test_invalid_json_body_is_422(shared_client):
    response = shared_client.session.post(
        f"{shared_client.emu.base_url}/v1/collections/{COLLECTION}/documents/list",
        data=b"{not json",
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert response.status_code == 422 and response.json()["error"]["code"] == "json_invalid"
