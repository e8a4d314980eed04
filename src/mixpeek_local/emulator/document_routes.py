"""Document endpoints: list, count, get, patch, delete, batch update and namespace batch-get."""

from __future__ import annotations

import copy
from typing import Any

from .api import Api, Request, Response
from .docpaths import delete_path, set_path
from .errors import ApiError, validation_error
from .listing import list_documents, render, response, vector_indexes
from .listrequest import parse_list_query, unknown_body_keys
from .scope import collection_or_404, require_namespace, unresolved_headers, unresolved_warning

BATCH_GET_KEYS = ("document_ids", "return_presigned_urls")
BATCH_UPDATE_KEYS = ("updates", "filters", "update_data")
MAX_BATCH = 1000


def list_documents_post(api: Api, request: Request) -> Response:
    """POST /v1/collections/{collection}/documents/list."""
    return _list(api, request, request.body)


def list_documents_get(api: Api, request: Request) -> Response:
    """GET /v1/collections/{collection}/documents (query parameters only)."""
    return _list(api, request, None)


def _list(api: Api, request: Request, body: Any) -> Response:
    query = parse_list_query(request.query, body, api.strict_body)
    require_namespace(request)
    if request.namespace_id is None:
        total = 0 if query.include_total else None
        page = response([], query, None, total, [*query.warnings, unresolved_warning(request)])
        return Response(200, page, unresolved_headers(request))
    collection = collection_or_404(api, request)
    return Response(200, list_documents(api.store, collection, query))


def count_documents(api: Api, request: Request) -> Response:
    """GET /v1/collections/{collection}/documents/count."""
    collection_id = collection_or_404(api, request)["collection_id"]
    return Response(200, {"collection_id": collection_id, "count": api.store.count(collection_id)})


def get_document(api: Api, request: Request) -> Response:
    """GET /v1/collections/{collection}/documents/{document}."""
    collection = collection_or_404(api, request)
    doc = _document_or_404(api, collection, request.params["document"])
    wanted = {k: v for k, v in request.query.items() if k in ("return_vectors", "return_vector_names")}
    return Response(200, render(doc, parse_list_query(wanted, None), vector_indexes(collection)))


def delete_document(api: Api, request: Request) -> Response:
    """DELETE /v1/collections/{collection}/documents/{document}: emits document.deleted."""
    collection = collection_or_404(api, request)
    doc = _document_or_404(api, collection, request.params["document"])
    api.store.delete_document(collection["collection_id"], doc["document_id"])
    return Response(200, {"message": "Successfully deleted", "success": True})


def patch_document(api: Api, request: Request) -> Response:
    """PATCH a document: metadata keys are merged (null removes one), other root fields are replaced."""
    collection = collection_or_404(api, request)
    doc = copy.deepcopy(_document_or_404(api, collection, request.params["document"]))
    changes = _object_body(request.body, "the PATCH body")
    for key, value in changes.items():
        if key == "metadata" and isinstance(value, dict):
            metadata = doc.setdefault("metadata", {})
            for meta_key, meta_value in value.items():
                _assign(metadata, meta_key, meta_value)
        elif key not in ("document_id", "collection_id", "_internal"):
            _assign(doc, key, value)
    return Response(200, api.store.replace_document(collection["collection_id"], doc))


def batch_update(api: Api, request: Request) -> Response:
    """POST .../documents/batch: dotted keys set one nested field, plain keys replace a whole root field."""
    collection = collection_or_404(api, request)
    body = _object_body(request.body, "BatchUpdateDocumentsRequest")
    unknown_body_keys(body, BATCH_UPDATE_KEYS, api.strict_body, "BatchUpdateDocumentsRequest")
    updates = body.get("updates")
    if not isinstance(updates, list) or not 1 <= len(updates) <= MAX_BATCH:
        raise validation_error(f"updates must be a list of 1..{MAX_BATCH} {{document_id, update_data}} entries")
    results = [_apply_update(api, collection["collection_id"], entry) for entry in updates]
    updated = sum(1 for r in results if r["success"])
    summary = {"updated_count": updated, "failed_count": len(results) - updated, "results": results}
    return Response(200, {**summary, "message": "Batch update completed"})


def _apply_update(api: Api, collection_id: str, entry: Any) -> dict[str, Any]:
    if not isinstance(entry, dict) or not isinstance(entry.get("update_data"), dict):
        raise validation_error("each update needs document_id and an update_data object")
    document_id = entry.get("document_id")
    current = api.store.document_ref(collection_id, document_id) if isinstance(document_id, str) else None
    if current is None:
        return {"document_id": str(document_id), "success": False, "error": "document not found"}
    doc = copy.deepcopy(current)
    for key, value in entry["update_data"].items():
        set_path(doc, key, copy.deepcopy(value))
    api.store.replace_document(collection_id, doc)
    return {"document_id": document_id, "success": True}


def batch_get(api: Api, request: Request) -> Response:
    """POST /v1/documents/batch-get: documents across the namespace's collections, plus not_found."""
    body = _object_body(request.body, "BatchGetDocumentsRequest")
    unknown_body_keys(body, BATCH_GET_KEYS, api.strict_body, "BatchGetDocumentsRequest")
    ids = body.get("document_ids")
    if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids) or not 1 <= len(ids) <= MAX_BATCH:
        raise validation_error(f"document_ids must be a list of 1..{MAX_BATCH} strings")
    require_namespace(request)
    if request.namespace_id is None:
        return Response(200, {"documents": [], "not_found": ids}, unresolved_headers(request))
    found = api.store.find_documents(request.namespace_id, ids)
    seen = {doc["document_id"] for doc in found}
    return Response(200, {"documents": found, "not_found": [i for i in ids if i not in seen]})


def _document_or_404(api: Api, collection: dict[str, Any], document_id: str) -> dict[str, Any]:
    doc = api.store.document_ref(collection["collection_id"], document_id)
    if doc is None:
        raise ApiError(
            404,
            f"document '{document_id}' not found in collection '{collection['collection_id']}'",
            code="document_not_found",
        )
    return doc


def _object_body(body: Any, model: str) -> dict[str, Any]:
    if not isinstance(body, dict):
        raise validation_error(f"{model} must be a JSON object")
    return body


def _assign(target: dict[str, Any], key: str, value: Any) -> None:
    if value is None:
        delete_path(target, key)
    else:
        target[key] = copy.deepcopy(value)
