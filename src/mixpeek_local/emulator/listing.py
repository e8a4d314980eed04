"""Run a ListQuery against a collection: filters, partitions, keyset cursors, sorting, select and vectors."""

from __future__ import annotations

import bisect
import json
import math
import zlib
from collections.abc import Callable
from typing import Any

from .cursors import decode_token, encode_token, fingerprint
from .docpaths import MISSING, project, resolve
from .encoding import stored_copy
from .errors import validation_error
from .filters import compile_filter
from .generator import vector_for
from .listrequest import ListQuery
from .store import Store

SORT_SCAN_CAP = 10_000
ALWAYS_SELECTED = ("document_id", "collection_id", "_id")
SEARCH_FIELDS = ("title", "description", "metadata.title", "transcript", "text_excerpt")
TIMESTAMP_FIELDS = ("created_at", "updated_at")


def in_partition(document_id: str, partition: tuple[int, int] | None) -> bool:
    """Whether a document id falls in partition (index, count); every id is in exactly one."""
    return partition is None or zlib.crc32(document_id.encode()) % partition[1] == partition[0]


def vector_indexes(collection: dict[str, Any]) -> dict[str, int]:
    """Vector index name -> dimensions for a collection."""
    return {
        v.get("name") or "embedding": int((v.get("index") or {}).get("dimensions") or 8)
        for v in collection.get("vector_indexes") or []
    }


def list_documents(store: Store, collection: dict[str, Any], q: ListQuery) -> dict[str, Any]:
    """The ListDocumentsResponse for a validated query."""
    collection_id = collection["collection_id"]
    predicate = compile_filter(q.filters)
    print_ = fingerprint(q.filters, q.sort, q.search)
    state = _cursor_state(q, collection_id, print_)
    partition = tuple(state["p"]) if state.get("p") else q.partition
    ids, docs = store.listing_snapshot(collection_id)

    def matches(document_id: str) -> bool:
        return in_partition(document_id, partition) and predicate(docs[document_id]) and _found(docs[document_id], q)

    run = _sorted_page if q.sort else _keyset_page
    page, next_state, warnings = run(ids, docs, matches, q, state)
    total = sum(1 for i in ids if matches(i)) if q.include_total else None
    base = {"c": collection_id, "f": print_, "p": list(partition) if partition else None}
    next_cursor = encode_token({**base, **next_state}) if next_state else None
    indexes = vector_indexes(collection)
    results = [render(doc, q, indexes) for doc in page]
    return response(results, q, next_cursor, total, q.warnings + warnings, cursor_driven=bool(q.cursor))


def response(
    results: list[dict[str, Any]],
    q: ListQuery,
    next_cursor: str | None,
    total: int | None,
    warnings: list[str],
    cursor_driven: bool = False,
) -> dict[str, Any]:
    """Assemble a ListDocumentsResponse (no keys beyond the model's)."""
    pagination: dict[str, Any] = {
        "page_size": q.limit,
        "next_cursor": next_cursor,
        "total": total,
        "total_pages": math.ceil(total / q.limit) if total is not None else None,
    }
    if not cursor_driven:
        pagination["page"] = q.offset // q.limit + 1
    body: dict[str, Any] = {"results": results, "pagination": pagination, "total_documents": total}
    if warnings:
        body["warnings"] = warnings
    return body


def _cursor_state(q: ListQuery, collection_id: str, print_: str) -> dict[str, Any]:
    if not q.cursor:
        return {}
    state = decode_token(q.cursor)
    if state.get("c") != collection_id:
        raise validation_error("cursor belongs to a different collection", code="cursor_mismatch")
    if state.get("f") != print_:
        raise validation_error(
            "cursor was issued for different filters, sort or search; resend the original ones or start over",
            code="cursor_mismatch",
        )
    if q.partition and tuple(state.get("p") or ()) != q.partition:
        raise validation_error(
            f"cursor belongs to partition {state.get('p')}, not {list(q.partition)}", code="cursor_mismatch"
        )
    return state


def _found(doc: dict[str, Any], q: ListQuery) -> bool:
    if not q.search:
        return True
    needle = q.search.casefold()
    return any(isinstance(v, str) and needle in v.casefold() for v in (resolve(doc, f) for f in SEARCH_FIELDS))


def _keyset_page(
    ids: list[str], docs: dict[str, Any], matches: Callable[[str], bool], q: ListQuery, state: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[str]]:
    after = state.get("a")
    start = bisect.bisect_right(ids, after) if isinstance(after, str) else 0
    skip = 0 if state else q.offset
    page: list[dict[str, Any]] = []
    for document_id in _tail(ids, start):
        if not matches(document_id):
            continue
        if skip:
            skip -= 1
            continue
        if len(page) == q.limit:
            return page, {"a": page[-1]["document_id"]}, []
        page.append(docs[document_id])
    return page, None, []


def _tail(ids: list[str], start: int) -> Any:
    return (ids[i] for i in range(start, len(ids)))


def _sorted_page(
    ids: list[str], docs: dict[str, Any], matches: Callable[[str], bool], q: ListQuery, state: dict[str, Any]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None, list[str]]:
    scanned: list[dict[str, Any]] = []
    warnings: list[str] = []
    for document_id in ids:
        if not matches(document_id):
            continue
        if len(scanned) == SORT_SCAN_CAP:
            warnings.append(
                f"Sorted listing scanned only the first {SORT_SCAN_CAP} matching documents: the sort ranks"
                " that subset and pages end at the cap; use partition + cursor, unsorted, for full scans."
            )
            break
        scanned.append(docs[document_id])
    ordered = _order(scanned, q.sort or {})
    start = state.get("o", q.offset) if state else q.offset
    end = start + q.limit
    return ordered[start:end], ({"o": end} if end < len(ordered) else None), warnings


def _order(docs: list[dict[str, Any]], sort: dict[str, str]) -> list[dict[str, Any]]:
    path = sort["field"]
    if path in TIMESTAMP_FIELDS:
        path = f"_internal.{path}"
    keyed = [(_sort_key(resolve(doc, path)), doc) for doc in docs]
    present = [pair for pair in keyed if pair[0] is not None]
    absent = [doc for key, doc in keyed if key is None]
    present.sort(key=lambda pair: (pair[0], pair[1]["document_id"]), reverse=sort["direction"] == "desc")
    return [doc for _key, doc in present] + absent


def _sort_key(value: Any) -> tuple[int, Any] | None:
    if value is MISSING or value is None:
        return None
    if isinstance(value, bool):
        return (2, int(value))
    if isinstance(value, (int, float)):
        return (0, value)
    if isinstance(value, str):
        return (1, value)
    return (3, json.dumps(value, sort_keys=True))


def render(doc: dict[str, Any], q: ListQuery, indexes: dict[str, int]) -> dict[str, Any]:
    """One result document: projected by select, with requested vectors added."""
    out = project(doc, q.select, ALWAYS_SELECTED) if q.select else stored_copy(doc)
    names = _vector_names(q, indexes)
    if names is None:
        return out
    for name in names:
        out[name] = vector_for(doc["document_id"], name, indexes[name])
    if q.return_vector_names is True:
        out["_vectors"] = list(indexes)
    out["vector_hydration_incomplete"] = False
    return out


def _vector_names(q: ListQuery, indexes: dict[str, int]) -> list[str] | None:
    if isinstance(q.return_vector_names, list):
        unknown = [n for n in q.return_vector_names if n not in indexes]
        if unknown:
            raise validation_error(
                f"unknown vector names {unknown}; this collection has {indexes}", code="unknown_vector_name"
            )
        return q.return_vector_names
    if q.return_vectors:
        return list(indexes)
    return [] if q.return_vector_names else None
