"""The official mixpeek SDK validates the emulator: its models parse every response; its clients run on it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import requests
from contract.sdk_models import declared, parse
from mixpeek import ApiClient, CollectionDocumentsApi, CollectionsApi, Configuration, DocumentsApi, Mixpeek
from mixpeek._client.client import MixpeekAPIError
from mixpeek.api.events_api import EventsApi
from mixpeek.models.batch_get_documents_request import BatchGetDocumentsRequest
from mixpeek.models.batch_get_documents_response import BatchGetDocumentsResponse
from mixpeek.models.collection_response import CollectionResponse
from mixpeek.models.document_count_response import DocumentCountResponse
from mixpeek.models.document_response import DocumentResponse
from mixpeek.models.error_response import ErrorResponse
from mixpeek.models.filter_operator import FilterOperator
from mixpeek.models.generic_delete_response import GenericDeleteResponse
from mixpeek.models.list_collections_response import ListCollectionsResponse
from mixpeek.models.list_documents_request import ListDocumentsRequest
from mixpeek.models.list_documents_response import ListDocumentsResponse
from mixpeek.models.list_events_response import ListEventsResponse
from mixpeek.models.me_response import MeResponse
from mixpeek.models.pagination_response import PaginationResponse

from mixpeek_local.emulator import Emulator, Fault, Store, seed_collection

API_KEY = "mxp_contract_key"
COLLECTION = "col_demo000001"
DOCS = f"/v1/collections/{COLLECTION}/documents"
SYNC_BODY = {
    "limit": 1000,
    "partition": {"index": 0, "count": 4},
    "filters": {"AND": [{"field": "_internal.updated_at", "operator": "gte", "value": "2026-01-01T00:00:00Z"}]},
    "include_total": True,
}


@pytest.fixture(scope="module")
def emu() -> Iterator[Emulator]:
    store = Store()
    seed_collection(store, documents=300, seed=7, collection_id=COLLECTION)
    with Emulator(store, api_key=API_KEY) as running:
        yield running


@pytest.fixture
def http(emu: Emulator) -> requests.Session:
    session = requests.Session()
    session.headers.update({"Authorization": f"Bearer {API_KEY}", "X-Namespace": "ns_demo"})
    return session


@pytest.fixture(scope="module")
def api_client(emu: Emulator) -> Iterator[ApiClient]:
    config = Configuration(host=emu.base_url, access_token=API_KEY, api_key={"NamespaceHeader": "ns_demo"})
    with ApiClient(config) as client:
        yield client


def list_page(emu: Emulator, http: requests.Session, body: Any, namespace: str = "ns_demo") -> requests.Response:
    return http.post(f"{emu.base_url}{DOCS}/list", json=body, headers={"X-Namespace": namespace}, timeout=10)


LIST_BODIES = [
    None,
    {},
    SYNC_BODY,
    {"limit": 3, "select": ["document_id", "metadata.sku", "_internal.updated_at"]},
    {"limit": 2, "return_vectors": True},
    {"limit": 2, "return_vector_names": True},
    {"limit": 2, "return_vector_names": ["multimodal_embedding"]},
    {"limit": 5, "sort": {"field": "metadata.price", "direction": "desc"}, "include_total": True},
    {"page_size": 4, "offset": 8},
    {"limit": 2, "unexpected": 1},
    {"limit": 2, "search": "a"},
]


@pytest.mark.parametrize("body", LIST_BODIES)
def test_list_responses_parse(emu, http, body):
    response = list_page(emu, http, body)
    assert response.status_code == 200, response.text
    page = parse(ListDocumentsResponse, response.json())
    assert set(response.json()["pagination"]) <= declared(PaginationResponse)
    assert all(doc.document_id.startswith("doc_") and doc.collection_id == COLLECTION for doc in page.results)


def test_cursor_pages_and_get_listing_parse(emu, http):
    first = list_page(emu, http, {"limit": 50, "partition": {"index": 1, "count": 3}}).json()
    second = list_page(emu, http, {"cursor": first["pagination"]["next_cursor"], "limit": 50}).json()
    parse(ListDocumentsResponse, second)
    get = http.get(f"{emu.base_url}{DOCS}", params={"limit": 3, "include_total": "true"}, timeout=10)
    assert parse(ListDocumentsResponse, get.json()).pagination.total == 300


def test_unresolved_namespace_page_parses(emu, http):
    response = list_page(emu, http, {"include_total": True}, namespace="ns_unknown")
    page = parse(ListDocumentsResponse, response.json())
    assert page.results == [] and page.warnings
    collections = http.post(f"{emu.base_url}/v1/collections/list", json={}, headers={"X-Namespace": "nope"}, timeout=10)
    parsed = parse(ListCollectionsResponse, collections.json())
    assert parsed.warnings[0].reason == "unresolved"


def test_every_stored_document_parses(emu):
    for doc in emu.store.documents(COLLECTION):
        parsed = DocumentResponse.from_dict(doc)
        assert parsed.internal is not None and parsed.internal.created_at == doc["_internal"]["created_at"]
        assert parsed.to_dict()["metadata"] == doc["metadata"]


def test_single_resources_parse(emu, http):
    document_id = emu.store.documents(COLLECTION)[0]["document_id"]
    get = http.get(f"{emu.base_url}{DOCS}/{document_id}", timeout=10).json()
    assert DocumentResponse.from_dict(get).document_id == document_id
    count = parse(DocumentCountResponse, http.get(f"{emu.base_url}{DOCS}/count", timeout=10).json())
    assert count.count == emu.store.count(COLLECTION)
    collection = parse(CollectionResponse, http.get(f"{emu.base_url}/v1/collections/{COLLECTION}", timeout=10).json())
    assert collection.vector_indexes[0].index["dimensions"] == 8
    assert len(collection.taxonomy_applications) == 2
    listed = parse(
        ListCollectionsResponse, http.post(f"{emu.base_url}/v1/collections/list", json={}, timeout=10).json()
    )
    assert listed.total_count == 1
    parse(MeResponse, http.get(f"{emu.base_url}/v1/me", timeout=10).json())
    ids = {"document_ids": [document_id, "doc_ffffffffffff"]}
    batch = parse(BatchGetDocumentsResponse, http.post(f"{emu.base_url}/v1/documents/batch-get", json=ids).json())
    assert batch.not_found == ["doc_ffffffffffff"]


def test_delete_and_events_parse(emu, http):
    document_id = emu.store.add_document(COLLECTION)["document_id"]
    emu.store.update_document(COLLECTION, document_id, {"metadata": {"price": 1.0}})
    deleted = http.delete(f"{emu.base_url}{DOCS}/{document_id}", timeout=10).json()
    assert parse(GenericDeleteResponse, deleted).success is True
    events = parse(ListEventsResponse, http.get(f"{emu.base_url}/v1/events", timeout=10).json())
    assert [e.event_type for e in events.results][-3:] == [
        "document.created",
        "document.updated",
        "document.deleted",
    ]
    assert [e.operation for e in events.results][-3:] == ["insert", "update", "delete"]
    empty = http.get(f"{emu.base_url}/v1/events", params={"cursor": events.next_cursor}, timeout=10).json()
    assert parse(ListEventsResponse, empty).next_cursor == events.next_cursor


def error_responses(emu: Emulator, http: requests.Session) -> Iterator[requests.Response]:
    base = emu.base_url
    yield requests.post(f"{base}{DOCS}/list", json={}, timeout=10)
    yield requests.post(f"{base}{DOCS}/list", json={}, headers={"Authorization": "Bearer wrong"}, timeout=10)
    yield http.get(f"{base}/v1/collections/col_missing0001", timeout=10)
    yield http.get(f"{base}{DOCS}/doc_ffffffffffff", timeout=10)
    yield http.get(f"{base}/v1/not/a/route", timeout=10)
    yield http.get(f"{base}{DOCS}/list", timeout=10)
    yield http.post(f"{base}{DOCS}/list", json={"limit": 5000}, timeout=10)
    yield http.post(f"{base}{DOCS}/list", json={"filters": {"AND": [{"field": "a", "operator": "zz"}]}}, timeout=10)
    yield http.post(f"{base}{DOCS}/list", json={"cursor": "garbage"}, timeout=10)
    yield http.post(f"{base}{DOCS}/list", json={}, headers={"X-Namespace": ""}, timeout=10)
    for status in (429, 503, 500, 502):
        emu.inject(Fault("status", status=status, retry_after=1, retry_after_body=1, retryable=True))
        yield http.post(f"{base}{DOCS}/list", json={}, timeout=10)


def test_every_error_is_an_error_response(emu, http):
    statuses = []
    for response in error_responses(emu, http):
        payload = response.json()
        error = parse(ErrorResponse, payload)
        assert error.success is False and error.status == response.status_code
        assert error.error.message and error.error.type
        statuses.append(response.status_code)
    assert {400, 401, 404, 405, 422, 429, 503, 500} <= set(statuses)


def test_sync_request_bodies_validate_and_round_trip(emu, http):
    first = ListDocumentsRequest.from_dict(SYNC_BODY)
    assert first.partition.count == 4 and first.limit == 1000
    page = list_page(emu, http, first.to_dict()).json()
    follow = {**SYNC_BODY, "cursor": page["pagination"]["next_cursor"] or "", "limit": 10}
    request = ListDocumentsRequest.from_dict(follow)
    assert request.cursor == follow["cursor"]
    body = request.to_dict()
    leaves = body["filters"]["AND"]
    assert all(leaf["operator"] in {op.value for op in FilterOperator} for leaf in leaves)
    assert set(follow) <= declared(ListDocumentsRequest)
    assert list_page(emu, http, body).status_code == 200


def test_generated_client_round_trips(emu, api_client):
    documents = CollectionDocumentsApi(api_client)
    request = ListDocumentsRequest.from_dict({"limit": 100, "partition": {"index": 0, "count": 2}})
    seen = []
    page = documents.list_documents(COLLECTION, list_documents_request=request)
    while True:
        seen += [doc.document_id for doc in page.results]
        if page.pagination.next_cursor is None:
            break
        request = ListDocumentsRequest.from_dict({"limit": 100, "cursor": page.pagination.next_cursor})
        page = documents.list_documents(COLLECTION, list_documents_request=request)
    assert len(seen) == len(set(seen)) > 0
    assert documents.count_documents(COLLECTION).count == emu.store.count(COLLECTION)
    assert documents.get_document(COLLECTION, seen[0]).document_id == seen[0]
    assert CollectionsApi(api_client).get_collection(COLLECTION).collection_id == COLLECTION
    batch = DocumentsApi(api_client).batch_get(BatchGetDocumentsRequest.from_dict({"document_ids": seen[:3]}))
    assert [d.document_id for d in batch.documents] == seen[:3]
    assert isinstance(EventsApi(api_client).list_events(limit=5).has_more, bool)


def test_high_level_client_lists_documents(emu):
    client = Mixpeek(api_key=API_KEY, base_url=emu.sdk_base_url, namespace="ns_demo", timeout=5)
    page = client.documents.list(COLLECTION, page_size=50)
    expected = [d["document_id"] for d in emu.store.documents(COLLECTION)]
    assert [d.document_id for d in page.results] == expected[:50]
    rest = client.documents.list(COLLECTION, cursor=page.pagination.next_cursor, page_size=1000)
    assert [d["document_id"] for d in page.results + rest.results] == expected
    assert client.documents.get(COLLECTION, expected[0])["document_id"] == expected[0]


def test_high_level_client_retries_429_with_retry_after_zero(emu):
    client = Mixpeek(api_key=API_KEY, base_url=emu.sdk_base_url, namespace="ns_demo", timeout=5)
    before = emu.request_count("/documents/list")
    emu.inject(Fault("status", status=429, retry_after=0))
    page = client.documents.list(COLLECTION, page_size=5)
    assert len(page.results) == 5
    assert emu.request_count("/documents/list") - before == 2
    assert emu.faults_injected["status"] >= 1


def test_high_level_client_stops_on_non_retryable_503(emu):
    client = Mixpeek(api_key=API_KEY, base_url=emu.sdk_base_url, namespace="ns_demo", timeout=5)
    before = emu.request_count("/documents/list")
    emu.inject(Fault("status", status=503, retryable=False, retry_after=0))
    with pytest.raises(MixpeekAPIError) as caught:
        client.documents.list(COLLECTION, page_size=5)
    assert caught.value.status == 503 and caught.value.detail["error"]["details"]["retryable"] is False
    assert emu.request_count("/documents/list") - before == 1
