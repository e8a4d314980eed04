"""The official SDK validates the loop: the requests enrich and search send, and the emulator's answers."""

from __future__ import annotations

from typing import Any

import pytest
from contract.sdk_models import parse
from local_world import enrich_mixpeek_documents
from mixpeek import ApiClient, Configuration
from mixpeek.api.collection_documents_api import CollectionDocumentsApi
from mixpeek.api.retrievers_api import RetrieversApi
from mixpeek.models.batch_document_update import BatchDocumentUpdate
from mixpeek.models.batch_update_documents_request import BatchUpdateDocumentsRequest
from mixpeek.models.batch_update_documents_response import BatchUpdateDocumentsResponse
from mixpeek.models.execute_retriever_request import ExecuteRetrieverRequest
from mixpeek.models.execute_retriever_response import ExecuteRetrieverResponse
from mixpeek.models.filter_operator import FilterOperator
from mixpeek.models.list_documents_request import ListDocumentsRequest

from mixpeek_snowflake.functions import MixpeekSearch
from mixpeek_snowflake.mixpeek.client import MixpeekClient

API_KEY = "mxp_loop_canary_key_51c2"
COLLECTION = "col_loop000001"
RETRIEVER = "ret_loop000001"
IN_STOCK = {"AND": [{"field": "metadata.in_stock", "operator": "eq", "value": True}]}


@pytest.fixture
def traffic(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, Any, Any]]:
    """Every (method, path, body, answer) the bundle's client exchanges during a test."""
    seen: list[tuple[str, str, Any, Any]] = []
    original = MixpeekClient.request

    def spy(self: MixpeekClient, method: str, path: str, *, json: Any = None, params: Any = None) -> Any:
        answer = original(self, method, path, json=json, params=params)
        seen.append((method, path, json, answer))
        return answer

    monkeypatch.setattr(MixpeekClient, "request", spy)
    return seen


def test_enrich_batch_requests_and_answers_validate(session, emulator, store, load, doc_ids, traffic):
    rows = [{"DOC_ID": i, "TIER": "gold", "N": n} for n, i in enumerate(doc_ids[:5])] + [{"DOC_ID": "doc_ffffffffffff"}]
    load("T", [("DOC_ID", "VARCHAR"), ("TIER", "VARCHAR"), ("N", "NUMBER(38,0)")], rows)
    enrich_mixpeek_documents(session, COLLECTION, "T", "DOC_ID", {"batch_size": 4})
    batches = [(body, answer) for method, path, body, answer in traffic if path.endswith("/documents/batch")]
    assert len(batches) == 2
    for body, answer in batches:
        request = parse(BatchUpdateDocumentsRequest, body)
        assert request.filters is None and request.update_data is None
        assert all(isinstance(u, BatchDocumentUpdate) and u.update_data for u in request.updates)
        assert all(key.startswith("metadata.") for u in body["updates"] for key in u["update_data"])
        response = parse(BatchUpdateDocumentsResponse, answer)
        assert response.updated_count + response.failed_count == len(body["updates"]) == len(response.results)
    assert batches[1][1]["failed_count"] == 1 and batches[1][1]["results"][-1]["success"] is False


def test_key_field_listing_request_validates(session, emulator, store, load, doc_ids, traffic):
    skus = [store.get_document(COLLECTION, i)["metadata"]["sku"] for i in doc_ids[:3]]
    load("T", [("SKU", "VARCHAR"), ("TIER", "VARCHAR")], [{"SKU": s, "TIER": "a"} for s in skus])
    enrich_mixpeek_documents(session, COLLECTION, "T", "SKU", {"key_field": "metadata.sku"})
    (body,) = [b for _m, path, b, _a in traffic if path.endswith("/documents/list")]
    parsed = parse(ListDocumentsRequest, body)
    condition = parsed.filters.to_dict()["AND"][0]
    assert condition["operator"] in {op.value for op in FilterOperator} and condition["value"] == sorted(skus)


def test_search_request_and_response_validate(emulator, traffic):
    rows = list(MixpeekSearch().process(RETRIEVER, {"query": "red hiking boot"}, {"limit": 4, "filters": IN_STOCK}))
    ((_method, _path, body, answer),) = traffic
    request = parse(ExecuteRetrieverRequest, body)
    assert request.pagination is not None and request.inputs == {"query": "red hiking boot"}
    response = parse(ExecuteRetrieverResponse, answer)
    assert response.execution_id.startswith("exec_") and response.status == "completed"
    assert [d["document_id"] for d in response.documents] == [r[1] for r in rows]
    assert set(response.pagination) == {"method", "limit", "returned", "total", "cursor", "has_next"}


def test_the_sdk_client_executes_the_emulated_retriever_and_batch(emulator, doc_ids):
    config = Configuration(host=emulator.base_url, access_token=API_KEY, api_key={"NamespaceHeader": "ns_demo"})
    with ApiClient(config) as client:
        body = ExecuteRetrieverRequest.from_dict({"inputs": {"query": "boot"}, "limit": 3})
        executed = RetrieversApi(client).execute_retriever(RETRIEVER, body)
        assert executed.status == "completed" and 1 <= len(executed.documents) <= 3
        update = {"updates": [{"document_id": doc_ids[0], "update_data": {"metadata.sf_x": 1}}]}
        batch = BatchUpdateDocumentsRequest.from_dict(update)
        answer = CollectionDocumentsApi(client).batch_update(COLLECTION, batch)
        assert answer.updated_count == 1 and answer.results[0].success is True
