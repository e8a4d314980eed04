"""The route table plus the health, account, collection and change-feed endpoints."""

from __future__ import annotations

import math
from typing import Any

from . import batches, objects, retrievers, taxonomies
from . import document_routes as docs
from .api import Api, Request, Response, Route, route
from .cursors import event_cursor, event_seq
from .errors import ApiError, validation_error
from .filters import compile_filter
from .listrequest import page_limit, page_offset, unknown_body_keys
from .scope import collection_or_404, degraded_namespace, require_namespace, unresolved_headers

COLLECTION_LIST_KEYS = (
    "limit",
    "page_size",
    "offset",
    "page",
    "filters",
    "sort",
    "sorts",
    "search",
    "include_system",
    "case_sensitive",
)
DOCUMENT = "{document:(?!(?:list|count|batch|bulk)$)[^/]+}"
MAX_EVENTS = 1000


def health(_api: Api, _request: Request) -> Response:
    """GET /v1/health (no auth)."""
    return Response(200, {"status": "ok"})


def me(_api: Api, _request: Request) -> Response:
    """GET /v1/me: a MeResponse for the emulator's key."""
    key = {"name": "emulator key", "key_type": "SECRET", "permissions": ["READ", "WRITE", "DELETE"]}
    limits = {"metadata": 600, "data": 3000, "search": 1200, "upload": 300, "compute": 60}
    return Response(
        200,
        {
            "organization_id": "org_emulator0001",
            "organization_name": "Mixpeek Emulator",
            "account_type": "BUILD",
            "user_email": "dev@example.com",
            "key": key,
            "rate_limits": limits,
            "principal_scoped": False,
        },
    )


def get_collection(api: Api, request: Request) -> Response:
    """GET /v1/collections/{collection} (id or name)."""
    return Response(200, collection_or_404(api, request))


def list_collections(api: Api, request: Request) -> Response:
    """POST /v1/collections/list and GET /v1/collections."""
    body = request.body if request.method == "POST" and request.body is not None else {}
    if not isinstance(body, dict):
        raise validation_error("ListCollectionsRequest must be a JSON object")
    unknown_body_keys(body, COLLECTION_LIST_KEYS, api.strict_body, "ListCollectionsRequest")
    limit = page_limit(body, request.query)
    offset = page_offset(body, request.query, limit)
    require_namespace(request)
    if request.namespace_id is None:
        page = _collection_page([], 0, limit, offset)
        return Response(200, {**page, "warnings": [degraded_namespace(request)]}, unresolved_headers(request))
    predicate = compile_filter(body.get("filters"))
    search = str(body.get("search") or request.query.get("search") or "").casefold()
    matches = [
        c
        for c in api.store.collections(request.namespace_id)
        if predicate(c) and search in c["collection_name"].casefold()
    ]
    return Response(200, _collection_page(matches[offset : offset + limit], len(matches), limit, offset))


def _collection_page(results: list[dict[str, Any]], total: int, limit: int, offset: int) -> dict[str, Any]:
    pagination = {
        "total": total,
        "page": offset // limit + 1,
        "page_size": limit,
        "total_pages": math.ceil(total / limit),
        "next_cursor": None,
    }
    return {"results": results, "pagination": pagination, "total_count": total}


def list_events(api: Api, request: Request) -> Response:
    """GET /v1/events: the change feed after a cursor, optionally narrowed by namespace and event_type."""
    query = request.query
    cursor = next((query[k] for k in ("cursor", "next_cursor", "after") if query.get(k)), None)
    after = event_seq(cursor) if cursor else 0
    limit = _event_limit(query)
    namespace = _event_namespace(request)
    empty: dict[str, Any] = {"results": [], "next_cursor": cursor, "has_more": False}
    if namespace is not None and api.store.resolve_namespace(namespace) is None:
        return Response(200, empty, {"X-Namespace-Unresolved": namespace})
    namespace_id = api.store.resolve_namespace(namespace) if namespace else None
    event_type = query.get("event_type")
    matching = (
        e
        for e in api.store.events_after(after)
        if (namespace_id is None or e["namespace_id"] == namespace_id)
        and (event_type is None or e["event_type"] == event_type)
    )
    page: list[dict[str, Any]] = []
    for event in matching:
        if len(page) == limit:
            return Response(200, _event_page(page, cursor, has_more=True))
        page.append({**event, "cursor": event_cursor(event["seq"])})
    return Response(200, _event_page(page, cursor, has_more=False))


def _event_page(page: list[dict[str, Any]], cursor: str | None, has_more: bool) -> dict[str, Any]:
    next_cursor = page[-1]["cursor"] if page else cursor
    return {"results": page, "next_cursor": next_cursor, "has_more": has_more}


def _event_limit(query: dict[str, str]) -> int:
    raw = query.get("limit") or query.get("page_size") or "100"
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_EVENTS:
        raise validation_error(f"limit must be an integer between 1 and {MAX_EVENTS}, got {raw!r}")
    return int(raw)


def _event_namespace(request: Request) -> str | None:
    from_query = request.query.get("namespace_id")
    if from_query and request.namespace and from_query != request.namespace:
        raise ApiError(400, "namespace_id query parameter and X-Namespace header disagree", code="namespace_conflict")
    return request.namespace or from_query


COLLECTION = "/v1/collections/{collection}"
ROUTES: list[Route] = [
    route("GET", "/v1/health", health, public=True),
    route("GET", "/v1/me", me),
    route("GET", "/v1/collections", list_collections),
    route("POST", "/v1/collections/list", list_collections),
    route("GET", COLLECTION, get_collection),
    route("POST", f"{COLLECTION}/documents/list", docs.list_documents_post),
    route("GET", f"{COLLECTION}/documents", docs.list_documents_get),
    route("GET", f"{COLLECTION}/documents/count", docs.count_documents),
    route("POST", f"{COLLECTION}/documents/batch", docs.batch_update),
    route("GET", f"{COLLECTION}/documents/{DOCUMENT}", docs.get_document),
    route("PATCH", f"{COLLECTION}/documents/{DOCUMENT}", docs.patch_document),
    route("DELETE", f"{COLLECTION}/documents/{DOCUMENT}", docs.delete_document),
    route("POST", "/v1/documents/batch-get", docs.batch_get),
    route("GET", "/v1/events", list_events),
    route("POST", "/v1/retrievers/{retriever}/execute", retrievers.execute),
    route("GET", "/v1/taxonomies/{taxonomy}", taxonomies.get_taxonomy),
]
BUCKET = "/v1/buckets/{bucket}"
ROUTES += [
    route("POST", "/v1/buckets", objects.create_bucket),
    route("GET", BUCKET, objects.get_bucket),
    route("POST", f"{BUCKET}/objects/batch", objects.create_objects_batch),
    route("GET", BUCKET + "/objects/{object:(?!batch$)[^/]+}", objects.get_object),
    route("DELETE", BUCKET + "/objects/{object:(?!batch$)[^/]+}", objects.delete_object),
    route("POST", f"{BUCKET}/batches", batches.create_batch),
    route("GET", BUCKET + "/batches/{batch}", batches.get_batch),
    route("POST", BUCKET + "/batches/{batch}/submit", batches.submit_batch),
]
