"""Document endpoints: list, count, get, patch, delete, batch update and namespace batch-get."""

from __future__ import annotations

import copy
from typing import Any

from .api import Api, Request, Response
from .docpaths import delete_path, set_path
from .errors import ApiError, validation_error
from .filters import compile_filter
from .listing import list_documents, render, response, vector_indexes
from .listrequest import parse_list_query, unknown_body_keys
from .scope import collection_or_404, require_namespace, unresolved_headers, unresolved_warning

BATCH_GET_KEYS = ("document_ids", "return_presigned_urls")
BATCH_UPDATE_KEYS = ("updates", "filters", "update_data")
READ_ONLY_FIELDS = ("document_id", "collection_id", "_internal", "_id")
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
    """POST .../documents/batch: explicit `updates`, or `filters` + `update_data` applied to every match."""
    collection = collection_or_404(api, request)
    body = _object_body(request.body, "BatchUpdateDocumentsRequest")
    unknown_body_keys(body, BATCH_UPDATE_KEYS, api.strict_body, "BatchUpdateDocumentsRequest")
    updates = body.get("updates")
    if updates is not None and (body.get("filters") is not None or body.get("update_data") is not None):
        raise validation_error("use either updates, or filters with update_data, not both", code="mixed_update_modes")
    if updates is None:
        return _filter_update(api, collection, body)
    if not isinstance(updates, list) or not 1 <= len(updates) <= MAX_BATCH:
        raise validation_error(f"updates must be a list of 1..{MAX_BATCH} {{document_id, update_data}} entries")
    entries = [_update_entry(entry) for entry in updates]
    results = [_apply_update(api, collection, document_id, data) for document_id, data in entries]
    updated = sum(1 for r in results if r["success"])
    summary = {"updated_count": updated, "failed_count": len(results) - updated, "results": results}
    return Response(200, {**summary, "message": "Batch update completed"})


def _filter_update(api: Api, collection: dict[str, Any], body: dict[str, Any]) -> Response:
    filters, data = body.get("filters"), body.get("update_data")
    if not isinstance(filters, dict) or not isinstance(data, dict):
        raise validation_error("send updates, or filters together with an update_data object", code="missing_updates")
    predicate = compile_filter(filters)
    collection_id = collection["collection_id"]
    ids, docs = api.store.snapshot(collection_id)
    results = [_apply_update(api, collection, i, data) for i in ids if predicate(docs[i])]
    updated = sum(1 for r in results if r["success"])
    summary = {"updated_count": updated, "failed_count": len(results) - updated, "results": []}
    return Response(200, {**summary, "message": "Batch update completed"})


def _update_entry(entry: Any) -> tuple[str, dict[str, Any]]:
    if not isinstance(entry, dict) or not isinstance(entry.get("document_id"), str):
        raise validation_error("each update needs a document_id string and an update_data object")
    if not isinstance(entry.get("update_data"), dict):
        raise validation_error(f"update_data of {entry['document_id']} must be an object")
    return entry["document_id"], entry["update_data"]


def _apply_update(api: Api, collection: dict[str, Any], document_id: str, data: dict[str, Any]) -> dict[str, Any]:
    current = api.store.document_ref(collection["collection_id"], document_id)
    if current is None:
        return {"document_id": document_id, "success": False, "error": f"document '{document_id}' not found"}
    doc = copy.deepcopy(current)
    problem = next((p for p in (_refusal(doc, key, collection) for key in data) if p), None)
    if problem:
        return {"document_id": document_id, "success": False, "error": problem}
    for key, value in data.items():
        _assign_path(doc, key, value)
    api.store.replace_document(collection["collection_id"], doc)
    return {"document_id": document_id, "success": True}


def _refusal(doc: dict[str, Any], key: str, collection: dict[str, Any]) -> str | None:
    parts = key.split(".")
    if not all(parts):
        return f"invalid field path {key!r}"
    if parts[0] in READ_ONLY_FIELDS:
        return f"{parts[0]} cannot be updated"
    if parts[0] in vector_indexes(collection):
        return f"{parts[0]} is a vector; vectors cannot be updated"
    node: Any = doc
    for depth, part in enumerate(parts[:-1]):
        node = node.get(part) if isinstance(node, dict) else None
        if node is not None and not isinstance(node, dict):
            return f"cannot set {key!r}: {'.'.join(parts[: depth + 1])} is not an object"
    return None


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


def _assign_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Set a dot path (a key without a dot replaces that whole field); null removes the key instead."""
    if value is None:
        delete_path(target, path)
    else:
        set_path(target, path, copy.deepcopy(value))
