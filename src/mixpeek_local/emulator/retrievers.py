"""Saved retrievers and POST /v1/retrievers/{id}/execute: a deterministic text match over the documents."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass
from typing import Any

from .api import Api, Request, Response
from .cursors import decode_token, encode_token, fingerprint
from .errors import ApiError, validation_error
from .filters import compile_filter
from .listrequest import unknown_body_keys
from .scope import require_namespace, unresolved_headers
from .store import Store

EXECUTE_KEYS = (
    "inputs",
    "filters",
    "pagination",
    "limit",
    "page_size",
    "stream",
    "expand",
    "skip_cache",
    "return_presigned_urls",
    "return_vectors",
    "write_token",
    "consistency",
    "target_collection_id",
    "explain",
)
MAX_LIMIT = 500
TEXT_FIELDS = ("title", "description", "metadata", "transcript", "text_excerpt", "scene")
HIDDEN_FIELDS = ("_internal",)
_WORD = re.compile(r"[0-9a-z]+")


def seed_retriever(
    store: Store,
    collection_id: str,
    retriever_id: str = "ret_demo000001",
    retriever_name: str = "product-search",
    filters: dict[str, Any] | None = None,
    final_top_k: int = 10,
) -> str:
    """Save a text-search retriever over a collection (inputs: query); returns its id."""
    return store.add_retriever(
        {
            "retriever_id": retriever_id,
            "retriever_name": retriever_name,
            "collection_ids": [collection_id],
            "input_schema": {"query": {"type": "text", "required": True}},
            "filters": filters,
            "final_top_k": final_top_k,
        }
    )


@dataclass(frozen=True)
class Page:
    """Which slice of the ranked matches to return, and how to describe it."""

    method: str
    limit: int
    start: int
    page_number: int | None = None


def execute(api: Api, request: Request) -> Response:
    """POST /v1/retrievers/{retriever}/execute → ExecuteRetrieverResponse."""
    body = request.body if request.body is not None else {}
    if not isinstance(body, dict):
        raise validation_error("ExecuteRetrieverRequest must be a JSON object")
    warnings = unknown_body_keys(body, EXECUTE_KEYS, api.strict_body, "ExecuteRetrieverRequest")
    if body.get("stream"):
        raise validation_error("stream=true (server-sent events) is not supported by the emulator", code="unsupported")
    retriever = _retriever_or_404(api, request)
    inputs = _inputs(body.get("inputs"), retriever)
    extra = compile_filter(body.get("filters"))
    own = compile_filter(retriever.get("filters"))
    print_ = fingerprint(retriever["retriever_id"], inputs, body.get("filters"))
    page = _page(body, retriever, print_)
    ranked = _rank(api.store, retriever, str(inputs.get("query") or ""), lambda d: own(d) and extra(d))
    chosen = ranked[page.start : page.start + page.limit]
    payload = {
        "retriever_id": retriever["retriever_id"],
        "execution_id": api.store.next_execution_id(),
        "status": "completed",
        "documents": [_result(doc, score) for doc, score in chosen],
        "pagination": _pagination(page, len(chosen), len(ranked), print_),
        "stage_statistics": {"stages": {}, "total_time_ms": 0.0, "credits_used": 0.0},
        "budget": {"credits_used": 0.0, "time_used_ms": 0},
        "cache_hit": False,
    }
    if warnings:
        payload["warnings"] = warnings
    return Response(200, payload)


def _retriever_or_404(api: Api, request: Request) -> dict[str, Any]:
    namespace = require_namespace(request)
    identifier = request.params["retriever"]
    found = api.store.get_retriever(identifier, request.namespace_id) if request.namespace_id else None
    if found is None:
        headers = unresolved_headers(request) if request.namespace_id is None else None
        message = f"retriever '{identifier}' not found in namespace '{namespace}'"
        raise ApiError(404, message, code="retriever_not_found", headers=headers)
    return found


def _inputs(value: Any, retriever: dict[str, Any]) -> dict[str, Any]:
    inputs = {} if value is None else value
    if not isinstance(inputs, dict):
        raise validation_error("inputs must be an object keyed by the retriever's input_schema fields")
    for name, spec in (retriever.get("input_schema") or {}).items():
        missing = inputs.get(name) is None or inputs.get(name) == ""
        if missing and isinstance(spec, dict) and spec.get("required"):
            raise validation_error(f"inputs.{name} is required by retriever {retriever['retriever_id']}")
    return inputs


def _page(body: dict[str, Any], retriever: dict[str, Any], print_: str) -> Page:
    pagination = body.get("pagination") or {"method": "cursor"}
    if not isinstance(pagination, dict):
        raise validation_error("pagination must be an object such as {method: cursor, limit: 10}")
    method = pagination.get("method", "cursor")
    if method not in ("cursor", "offset"):
        raise validation_error(f"pagination method {method!r} is not supported by the emulator (cursor, offset)")
    size_key = "limit" if method == "cursor" else "page_size"
    limit = _limit(body, pagination.get(size_key), retriever.get("final_top_k") or 10)
    if method == "offset":
        number = pagination.get("page_number", 1)
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise validation_error("pagination.page_number must be an integer of at least 1")
        return Page("offset", limit, (number - 1) * limit, number)
    cursor = pagination.get("cursor")
    return Page("cursor", limit, _cursor_start(cursor, print_) if cursor else 0)


def _limit(body: dict[str, Any], paged: Any, default: int) -> int:
    given = [v for v in (body.get("limit"), body.get("page_size"), paged) if v is not None]
    if len(set(map(repr, given))) > 1:
        raise validation_error(f"limit, page_size and pagination disagree: {given}", code="conflicting_limits")
    limit = given[0] if given else default
    if isinstance(limit, bool) or not isinstance(limit, int) or not 1 <= limit <= MAX_LIMIT:
        raise validation_error(f"limit must be an integer from 1 to {MAX_LIMIT}, got {limit!r}")
    return limit


def _cursor_start(cursor: Any, print_: str) -> int:
    state = decode_token(cursor) if isinstance(cursor, str) else {}
    if state.get("f") != print_ or not isinstance(state.get("o"), int):
        raise validation_error("cursor was issued for another retriever, inputs or filters", code="cursor_mismatch")
    return state["o"]


def _words(value: Any) -> list[str]:
    if isinstance(value, str):
        return _WORD.findall(value.casefold())
    if isinstance(value, dict):
        return [w for v in value.values() for w in _words(v)]
    if isinstance(value, list):
        return [w for v in value for w in _words(v)]
    return []


def _rank(store: Store, retriever: dict[str, Any], query: str, keep: Any) -> list[tuple[dict[str, Any], float]]:
    terms = sorted(set(_words(query)))
    scored = []
    for collection_id in retriever["collection_ids"]:
        for doc in store.documents(collection_id):
            counts = Counter(w for f in TEXT_FIELDS for w in _words(doc.get(f)))
            matched = [t for t in terms if counts[t]]
            if matched and keep(doc):
                hits = sum(counts[t] for t in matched)
                scored.append((doc, round(len(matched) / len(terms), 4), hits))
    scored.sort(key=lambda item: (-item[1], -item[2], item[0]["document_id"]))
    return [(doc, score) for doc, score, _hits in scored]


def _result(doc: dict[str, Any], score: float) -> dict[str, Any]:
    shown = {k: v for k, v in doc.items() if k not in HIDDEN_FIELDS}
    return {**shown, "score": score}


def _pagination(page: Page, returned: int, total: int, print_: str) -> dict[str, Any]:
    has_next = page.start + page.limit < total
    if page.method == "offset":
        return {
            "method": "offset",
            "page_number": page.page_number,
            "page_size": page.limit,
            "returned": returned,
            "total": total,
            "has_next": has_next,
        }
    cursor = encode_token({"o": page.start + page.limit, "f": print_}) if has_next else None
    return {
        "method": "cursor",
        "limit": page.limit,
        "returned": returned,
        "total": total,
        "cursor": cursor,
        "has_next": has_next,
    }
