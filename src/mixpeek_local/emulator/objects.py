"""Bucket and object endpoints: create a bucket, batch-create objects (idempotency keys, blobs fetched), get, delete."""

from __future__ import annotations

import copy
import hashlib
import urllib.error
import urllib.request
from typing import Any
from urllib.parse import quote, urlsplit

from .api import Api, Request, Response
from .buckets import BucketState, add_bucket, bucket_view, find_bucket, state_of
from .errors import ApiError, validation_error
from .listrequest import unknown_body_keys
from .scope import require_namespace

MAX_OBJECTS = 100
MAX_URL = 2083
FETCH_TIMEOUT = 10
MAX_BLOB_BYTES = 64 * 1024 * 1024
FILE_TYPES = ("image", "video", "audio", "pdf", "text", "excel")
OBJECT_KEYS = (
    "key_prefix",
    "blobs",
    "skip_duplicates",
    "canonicalize_source",
    "force_remirror",
    "edges",
    "idempotency_key",
)
BLOB_KEYS = (
    *("property", "key_prefix", "type", "data", "upload_id", "checksum", "metadata"),
    *("canonicalize_source", "force_remirror"),
)
RESERVED_ROOT = ("object_id", "bucket_id", "collection_id", "_internal", "blobs", "document_id")
MEDIA = "s3://mxp-media"


class BlobRefused(Exception):
    """One object of a batch cannot be created: its error and error type."""

    def __init__(self, message: str, error_type: str = "ValidationError") -> None:
        super().__init__(message)
        self.error_type = error_type


def bucket_or_404(api: Api, request: Request) -> str:
    """The bucket named by the path in the request's namespace, else a 404 ErrorResponse."""
    require_namespace(request)
    identifier = request.params["bucket"]
    found = find_bucket(state_of(api.store), identifier, request.namespace_id)
    if found is None:
        raise ApiError(
            404, f"bucket '{identifier}' not found in namespace '{request.namespace}'", code="bucket_not_found"
        )
    return found


def create_bucket(api: Api, request: Request) -> Response:
    """POST /v1/buckets {bucket_name, bucket_schema: {properties: {name: {type}}}}."""
    namespace = require_namespace(request)
    body = request.body if isinstance(request.body, dict) else None
    schema = body.get("bucket_schema") if body else None
    properties = schema.get("properties") if isinstance(schema, dict) else None
    if body is None or not isinstance(body.get("bucket_name"), str) or not isinstance(properties, dict):
        raise validation_error("a bucket needs bucket_name and bucket_schema.properties")
    kinds = {str(name): str(field.get("type")) for name, field in properties.items() if isinstance(field, dict)}
    state = state_of(api.store)
    bucket_id = add_bucket(
        api.store, state.next_id("bkt_"), kinds, request.namespace_id or namespace, body["bucket_name"]
    )
    return Response(200, bucket_view(state, bucket_id))


def get_bucket(api: Api, request: Request) -> Response:
    """GET /v1/buckets/{bucket}."""
    return Response(200, bucket_view(state_of(api.store), bucket_or_404(api, request)))


def create_objects_batch(api: Api, request: Request) -> Response:
    """POST /v1/buckets/{bucket}/objects/batch: partial success, 422 when every object failed."""
    bucket_id = bucket_or_404(api, request)
    body: dict[str, Any] = request.body if isinstance(request.body, dict) else {}
    objects = body.get("objects")
    if not isinstance(objects, list) or not 1 <= len(objects) <= MAX_OBJECTS:
        raise validation_error(f"objects must be a list of 1 to {MAX_OBJECTS} CreateObjectRequest")
    if "auto_process" in body or any(isinstance(o, dict) and "auto_process" in o for o in objects):
        raise validation_error("auto_process goes in the query, not the body", code="auto_process_in_body")
    unknown_body_keys(body, ("objects",), api.strict_body, "CreateObjectsBatchRequest")
    state = state_of(api.store)
    succeeded, failed = [], []
    for index, entry in enumerate(objects):
        try:
            row, replayed = _create(api, state, bucket_id, entry)
        except BlobRefused as refused:
            failed.append({"object_index": index, "error": str(refused), "error_type": refused.error_type})
            continue
        by = {"replayed_by": "idempotency_key"} if replayed else {}
        succeeded.append({**row, "object_index": index, "replayed": replayed, **by})
    answer = {
        "succeeded": succeeded,
        "failed": failed,
        "total_requested": len(objects),
        "succeeded_count": len(succeeded),
        "failed_count": len(failed),
    }
    return Response(200 if succeeded else 422, answer)


def _create(api: Api, state: BucketState, bucket_id: str, entry: Any) -> tuple[dict[str, Any], bool]:
    if not isinstance(entry, dict):
        raise BlobRefused("each object must be a CreateObjectRequest object")
    key = entry.get("idempotency_key")
    if key is not None and (not isinstance(key, str) or len(key) > 255):
        raise BlobRefused("idempotency_key must be a string of at most 255 characters")
    with state.lock:
        existing = state.keys.get((bucket_id, key)) if key else None
        if existing and existing in state.objects[bucket_id]:
            return _view(state, bucket_id, existing), True
    blobs = entry.get("blobs")
    if not isinstance(blobs, list) or not blobs:
        raise BlobRefused("an object needs at least one blob")
    schema = state.buckets[bucket_id]["bucket_schema"]["properties"]
    fetched = [_blob(schema, blob) for blob in blobs]
    object_id = state.next_id("obj_")
    stamp = api.store.clock.tick()
    root = {k: copy.deepcopy(v) for k, v in entry.items() if k not in (*OBJECT_KEYS, *RESERVED_ROOT)}
    for blob, _ in fetched:
        for name, value in (blob.get("metadata") or {}).items():
            if name not in RESERVED_ROOT:
                root.setdefault(name, copy.deepcopy(value))
    stored = {
        **root,
        "object_id": object_id,
        "bucket_id": bucket_id,
        "blobs": [_blob_model(bucket_id, object_id, blob, data, i) for i, (blob, data) in enumerate(fetched)],
        "status": "PENDING",
        "created_at": stamp,
        "updated_at": stamp,
    }
    with state.lock:
        state.objects[bucket_id][object_id] = stored
        state.blobs[object_id] = fetched[0][1]
        if key:
            state.keys[(bucket_id, key)] = object_id
    consistency = {"retriever_visible": "after_processing", "write_token_available": False}
    return {**_view(state, bucket_id, object_id), "consistency": consistency}, False


def _blob(schema: dict[str, Any], blob: Any) -> tuple[dict[str, Any], bytes]:
    if not isinstance(blob, dict) or not isinstance(blob.get("property"), str):
        raise BlobRefused("each blob needs a property from the bucket schema")
    unknown = sorted(set(blob) - set(BLOB_KEYS))
    if unknown:
        raise BlobRefused(f"unknown blob keys {', '.join(unknown)}")
    declared = schema.get(blob["property"], {}).get("type") if isinstance(schema.get(blob["property"]), dict) else None
    if declared is None:
        raise BlobRefused(f"property {blob['property']!r} is not in the bucket schema", "SchemaValidationError")
    if blob.get("type") not in FILE_TYPES or blob["type"] != declared:
        raise BlobRefused(
            f"blob type {blob.get('type')!r} does not match the schema type {declared!r}", "SchemaValidationError"
        )
    data = blob.get("data")
    if not isinstance(data, str) or not 1 <= len(data) <= MAX_URL or urlsplit(data).scheme not in ("http", "https"):
        raise BlobRefused("blob data must be an http(s) URL of at most 2083 characters", "URLValidationError")
    return blob, fetch(data)


def fetch(url: str) -> bytes:
    """GET the blob's URL (as a client does, its path re-quoted); refuse a failed fetch or an empty file."""
    quoted = quote(url, safe=":/?&=%#~+@!$,;")
    try:
        with urllib.request.urlopen(quoted, timeout=FETCH_TIMEOUT) as answer:
            data = answer.read(MAX_BLOB_BYTES + 1)
    except urllib.error.HTTPError as exc:
        raise BlobRefused(f"could not download {url}: HTTP {exc.code}", "URLValidationError") from None
    except (urllib.error.URLError, OSError) as exc:
        raise BlobRefused(f"could not download {url}: {exc}", "URLValidationError") from None
    if not data:
        raise BlobRefused(f"the file at {url} is empty", "URLValidationError")
    if len(data) > MAX_BLOB_BYTES:
        raise BlobRefused(f"the file at {url} is larger than {MAX_BLOB_BYTES} bytes", "URLValidationError")
    return data


def _blob_model(bucket_id: str, object_id: str, blob: dict[str, Any], data: bytes, index: int) -> dict[str, Any]:
    filename = urlsplit(blob["data"]).path.rsplit("/", 1)[-1] or f"blob_{index}"
    canonical = f"{MEDIA}/{bucket_id}/{object_id}/{filename}"
    details = {"filename": filename, "size_bytes": len(data), "hash": "sha256:" + hashlib.sha256(data).hexdigest()}
    properties = {"url": canonical, "metadata": copy.deepcopy(blob.get("metadata") or {})}
    return {
        "blob_id": f"blob_{object_id[4:]}_{index}",
        "property": blob["property"],
        "type": blob["type"],
        "properties": properties,
        "details": details,
    }


def _view(state: BucketState, bucket_id: str, object_id: str) -> dict[str, Any]:
    with state.lock:
        return copy.deepcopy(state.objects[bucket_id][object_id])


def object_or_404(api: Api, request: Request, bucket_id: str) -> dict[str, Any]:
    """The object the path names, else a 404 ErrorResponse."""
    state = state_of(api.store)
    object_id = request.params["object"]
    with state.lock:
        found = state.objects[bucket_id].get(object_id)
    if found is None:
        raise ApiError(404, f"object '{object_id}' not found in bucket '{bucket_id}'", code="object_not_found")
    return copy.deepcopy(found)


def get_object(api: Api, request: Request) -> Response:
    """GET /v1/buckets/{bucket}/objects/{object}: the object with the documents made from it counted."""
    bucket_id = bucket_or_404(api, request)
    found = object_or_404(api, request, bucket_id)
    count = sum(
        1
        for collection in api.store.collections(request.namespace_id or "")
        for doc in api.store.documents(collection["collection_id"])
        if doc.get("_internal", {}).get("lineage", {}).get("source_object_id") == found["object_id"]
    )
    return Response(200, {**found, "document_count": count})


def delete_object(api: Api, request: Request) -> Response:
    """DELETE /v1/buckets/{bucket}/objects/{object}: 204; its idempotency key is free again."""
    bucket_id = bucket_or_404(api, request)
    found = object_or_404(api, request, bucket_id)
    state = state_of(api.store)
    with state.lock:
        del state.objects[bucket_id][found["object_id"]]
        state.blobs.pop(found["object_id"], None)
        for key in [k for k, v in state.keys.items() if v == found["object_id"]]:
            del state.keys[key]
    return Response(204, b"")
