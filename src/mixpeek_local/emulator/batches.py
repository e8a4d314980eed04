"""Bucket batches: create (optionally auto-submitted), submit, get; processing turns each object into a document."""

from __future__ import annotations

import copy
import hashlib
import random
from typing import Any

from .api import Api, Request, Response
from .buckets import BucketState, state_of
from .errors import ApiError, validation_error
from .generator import CollectionContext, DocumentFactory
from .listrequest import unknown_body_keys
from .objects import bucket_or_404
from .store import Store

BATCH_KEYS = (
    *("object_ids", "filters", "collection_ids", "limit", "dedup_strategy", "metadata", "batch_name"),
    *("auto_submit", "trigger_processing"),
)
MODALITY = {"image": "image", "video": "video", "audio": "audio", "pdf": "text", "text": "text", "excel": "text"}
MIME = {"jpg": "image/jpeg", "jpeg": "image/jpeg", "png": "image/png", "mp4": "video/mp4", "mp3": "audio/mpeg"}
MIME |= {"pdf": "application/pdf", "txt": "text/plain", "wav": "audio/wav", "gif": "image/gif", "csv": "text/csv"}


def create_batch(api: Api, request: Request) -> Response:
    """POST /v1/buckets/{bucket}/batches?auto_submit=: a DRAFT batch, or a processed one when auto-submitted."""
    bucket_id = bucket_or_404(api, request)
    body = request.body if isinstance(request.body, dict) else None
    if body is None:
        raise validation_error("CreateBatchRequest must be a JSON object")
    unknown_body_keys(body, BATCH_KEYS, api.strict_body, "CreateBatchRequest")
    state = state_of(api.store)
    object_ids = body.get("object_ids")
    if not isinstance(object_ids, list) or not object_ids or not all(isinstance(i, str) for i in object_ids):
        raise validation_error("object_ids must be a list of at least one object id")
    with state.lock:
        missing = [i for i in object_ids if i not in state.objects[bucket_id]]
    if missing:
        raise validation_error(f"objects not in bucket {bucket_id}: {', '.join(missing[:5])}", code="objects_not_found")
    collections = _collections(api, request, body.get("collection_ids"))
    stamp = api.store.clock.tick()
    batch_id = state.next_id("btch_")
    batch: dict[str, Any] = {
        "batch_id": batch_id,
        "bucket_id": bucket_id,
        "namespace_id": request.namespace_id,
        "batch_name": body.get("batch_name"),
        "status": "DRAFT",
        "object_ids": list(object_ids),
        "collection_ids": collections,
        "max_node_death_resubmits": 3,
        "max_deploy_resubmits": 3,
        "lifecycle": "accepted",
        "lifecycle_reason": None,
        "created_at": stamp,
        "updated_at": stamp,
    }
    with state.lock:
        state.batches[batch_id] = batch
    submit = request.query.get("auto_submit", str(body.get("auto_submit") or "false")).lower() == "true"
    if submit:
        process(api.store, state, batch_id)
    return Response(200, _batch_view(state, batch_id))


def _collections(api: Api, request: Request, given: Any) -> list[str]:
    if given is None:
        return []
    if not isinstance(given, list) or not all(isinstance(c, str) for c in given):
        raise validation_error("collection_ids must be a list of collection ids")
    found = []
    for identifier in given:
        collection = api.store.get_collection(identifier, request.namespace_id)
        if collection is None:
            raise ApiError(404, f"collection '{identifier}' not found", code="collection_not_found")
        found.append(collection["collection_id"])
    return found


def submit_batch(api: Api, request: Request) -> Response:
    """POST /v1/buckets/{bucket}/batches/{batch}/submit → TaskResponse (the emulator processes at once)."""
    state = state_of(api.store)
    batch = _batch_or_404(api, request, state)
    if batch["status"] != "DRAFT":
        raise ApiError(409, f"batch {batch['batch_id']} was already submitted", code="batch_already_submitted")
    process(api.store, state, batch["batch_id"])
    task = {"task_id": f"task_{batch['batch_id'][5:]}", "task_type": "api_buckets_batches_submit"}
    return Response(200, {**task, "status": "COMPLETED", "additional_data": {"batch_id": batch["batch_id"]}})


def get_batch(api: Api, request: Request) -> Response:
    """GET /v1/buckets/{bucket}/batches/{batch}."""
    state = state_of(api.store)
    return Response(200, _batch_view(state, _batch_or_404(api, request, state)["batch_id"]))


def _batch_or_404(api: Api, request: Request, state: BucketState) -> dict[str, Any]:
    bucket_id = bucket_or_404(api, request)
    with state.lock:
        batch = state.batches.get(request.params["batch"])
    if batch is None or batch["bucket_id"] != bucket_id:
        raise ApiError(404, f"batch '{request.params['batch']}' not found", code="batch_not_found")
    return batch


def _batch_view(state: BucketState, batch_id: str) -> dict[str, Any]:
    with state.lock:
        return copy.deepcopy(state.batches[batch_id])


def process(store: Store, state: BucketState, batch_id: str) -> None:
    """Run a batch: each object still in the bucket becomes one document per collection (made again, same id,
    when it was processed before); the batch ends COMPLETED or COMPLETED_WITH_ERRORS."""
    with state.lock:
        batch = state.batches[batch_id]
        bucket_id = batch["bucket_id"]
        objects = [copy.deepcopy(state.objects[bucket_id].get(i)) for i in batch["object_ids"]]
        data = {i: state.blobs.get(i, b"") for i in batch["object_ids"]}
    written, failed = 0, []
    for object_id, found in zip(batch["object_ids"], objects, strict=True):
        if found is None:
            failed.append({"object_id": object_id, "error": "the object was deleted before its batch ran"})
            continue
        for collection_id in batch["collection_ids"]:
            _write(store, collection_id, bucket_id, found, data[object_id])
            written += 1
        found["status"] = "COMPLETED"
        with state.lock:
            if object_id in state.objects[bucket_id]:
                state.objects[bucket_id][object_id] = found
    status = "COMPLETED_WITH_ERRORS" if failed else "COMPLETED"
    with state.lock:
        batch.update(status=status, lifecycle="indexed", documents_written=written, documents_resolvable=True)
        batch.update(failed_object_count=len(failed), updated_at=store.clock.tick())


def document_id(collection_id: str, object_id: str) -> str:
    """The id processing gives the document an object makes in a collection: the same on every run."""
    return "doc_" + hashlib.sha256(f"{collection_id}:{object_id}".encode()).hexdigest()[:12]


def make_document(store: Store, collection_id: str, bucket_id: str, obj: dict[str, Any], data: bytes) -> dict[str, Any]:
    """The document processing makes of an object: features drawn from the file's bytes (so equal bytes give equal
    features), lineage to the object, the object's root fields passed through, no URL of the caller's."""
    collection = store.get_collection(collection_id) or {}
    taxonomies = [a["taxonomy_id"] for a in collection.get("taxonomy_applications") or []] + ["tax_none", "tax_none"]
    namespace = store.namespace_of(collection_id)
    digest = hashlib.sha256(data).hexdigest()
    context = CollectionContext(collection_id, namespace, bucket_id, taxonomies[0], taxonomies[1])
    identifier = document_id(collection_id, obj["object_id"])
    stamp = store.clock.now()
    doc = DocumentFactory(random.Random(int(digest[:16], 16)), context).make(identifier, stamp, stamp)
    blob = obj["blobs"][0]
    filename = blob["details"]["filename"]
    extension = filename.rpartition(".")[2].lower()
    internal = doc["_internal"]
    internal["lineage"].update(root_object_id=obj["object_id"], source_object_id=obj["object_id"])
    internal["processing"]["source_url"] = blob["properties"]["url"]
    internal["source_blobs"] = [{"property": blob["property"], "url": blob["properties"]["url"], "type": blob["type"]}]
    internal.update(modality=MODALITY.get(blob["type"], "text"), size_bytes=len(data), content_hash=digest)
    internal["mime_type"] = MIME.get(extension, "application/octet-stream")
    doc["document_blobs"] = [{"field": blob["property"], "url": blob["properties"]["url"], "role": "source"}]
    passthrough = {k: v for k, v in obj.items() if k.startswith("snowflake_")}
    return {**doc, **copy.deepcopy(passthrough), "title": filename}


def _write(store: Store, collection_id: str, bucket_id: str, obj: dict[str, Any], data: bytes) -> None:
    doc = make_document(store, collection_id, bucket_id, obj, data)
    if store.get_document(collection_id, doc["document_id"]) is None:
        store.add_document(collection_id, doc)
    else:
        store.replace_document(collection_id, doc)
