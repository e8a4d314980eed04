"""Mixpeek requests of an ingestion: object batches, deletes and batch submission, shaped as the SDK's models."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from mixpeek_snowflake.errors import InvalidArgument, MixpeekAPIError, truncate
from mixpeek_snowflake.mixpeek.client import MixpeekClient

MAX_URL_CHARS = 2083
MAX_ERROR_CHARS = 500
STAGE_KEY = "snowflake_stage"
PATH_KEY = "snowflake_path"
CHECKSUM_KEY = "snowflake_checksum"
URL_REDACTED = "[url redacted]"
_URL = re.compile(r"(?i)\b(?:https?|s3|gs|azure)://\S+")


@dataclass(frozen=True)
class Outgoing:
    """One file on its way: its path, checksum, blob property and type, idempotency key and, for the request only,
    its URL."""

    path: str
    checksum: str
    blob_property: str
    blob_type: str
    key: str
    url: str


@dataclass(frozen=True)
class Outcome:
    """What Mixpeek answered for one file: an object id, or an error free of URLs."""

    path: str
    object_id: str | None
    error: str | None
    replayed: bool = False


def scrub(text: str, urls: list[str]) -> str:
    """Text with every URL (these presigned ones first, then anything URL-shaped) replaced, then shortened."""
    for url in sorted(urls, key=len, reverse=True):
        if url:
            text = text.replace(url, URL_REDACTED)
    return truncate(_URL.sub(URL_REDACTED, text), MAX_ERROR_CHARS)


def object_body(stage: str, item: Outgoing) -> dict[str, Any]:
    """A CreateObjectRequest: one blob whose data is the presigned URL, the file's identity in its metadata."""
    metadata = {STAGE_KEY: stage, PATH_KEY: item.path, CHECKSUM_KEY: item.checksum}
    blob = {"property": item.blob_property, "type": item.blob_type, "data": item.url, "metadata": metadata}
    return {"blobs": [blob], "idempotency_key": item.key, "canonicalize_source": True}


def batch_body(stage: str, items: list[Outgoing]) -> dict[str, Any]:
    """A CreateObjectsBatchRequest of at most 100 objects."""
    return {"objects": [object_body(stage, item) for item in items]}


def _bucket_path(bucket: str, *rest: str) -> str:
    return "/v1/buckets/" + "/".join(quote(part, safe="") for part in (bucket, *rest))


def check_bucket(client: MixpeekClient, bucket: str) -> None:
    """GET /v1/buckets/{bucket} (the SDK's get_bucket): a bucket the namespace does not hold fails the run before any
    file is sent or recorded."""
    try:
        client.request("GET", _bucket_path(bucket))
    except MixpeekAPIError as exc:
        if exc.status != 404:
            raise
        raise InvalidArgument(
            "bucket_id",
            f"{bucket!r} is not a bucket of the namespace (the namespace option or MIXPEEK_NAMESPACE); expected the id "
            "(bkt_…) or name of one of its buckets",
        ) from None


def create_objects(client: MixpeekClient, bucket: str, stage: str, items: list[Outgoing]) -> list[Outcome]:
    """POST /v1/buckets/{bucket}/objects/batch; one Outcome per item, in order (a refused request fails them all)."""
    if not items:
        return []
    urls = [item.url for item in items]
    try:
        answer = client.request("POST", _bucket_path(bucket, "objects", "batch"), json=batch_body(stage, items))
    except MixpeekAPIError as exc:
        every = _every_object_failed(exc)
        if every is not None:
            return read_outcomes(every, items, urls)
        reason = scrub(f"Mixpeek refused the batch: {exc}", urls)
        return [Outcome(item.path, None, reason) for item in items]
    return read_outcomes(answer, items, urls)


def _every_object_failed(exc: MixpeekAPIError) -> dict[str, Any] | None:
    """The body of a 422 whose every object failed: the batch answer's shape, as the API documents it."""
    if exc.status != 422:
        return None
    try:
        body = json.loads(exc.message)
    except ValueError:
        return None
    return body if isinstance(body, dict) and isinstance(body.get("failed"), list) else None


def read_outcomes(answer: Any, items: list[Outgoing], urls: list[str]) -> list[Outcome]:
    """Match a CreateObjectsBatchResponse to the items by object_index; an item it does not mention failed."""
    succeeded = answer.get("succeeded") if isinstance(answer, dict) else None
    failed = answer.get("failed") if isinstance(answer, dict) else None
    by_index: dict[int, Outcome] = {}
    for row in succeeded if isinstance(succeeded, list) else []:
        index, object_id = _index(row, len(items)), row.get("object_id") if isinstance(row, dict) else None
        if index is not None and isinstance(object_id, str) and object_id:
            by_index[index] = Outcome(items[index].path, object_id, None, bool(row.get("replayed")))
    for row in failed if isinstance(failed, list) else []:
        index = _index(row, len(items))
        if index is not None and index not in by_index:
            kind, message = str(row.get("error_type") or "Error"), str(row.get("error") or "no reason given")
            by_index[index] = Outcome(items[index].path, None, scrub(f"{kind}: {message}", urls))
    missing = "Mixpeek's answer named no object for this file"
    return [by_index.get(i, Outcome(item.path, None, missing)) for i, item in enumerate(items)]


def _index(row: object, size: int) -> int | None:
    index = row.get("object_index") if isinstance(row, dict) else None
    return index if isinstance(index, int) and not isinstance(index, bool) and 0 <= index < size else None


def delete_object(client: MixpeekClient, bucket: str, object_id: str) -> str | None:
    """DELETE the object; None when it is gone (a 404 counts), else why it could not be deleted."""
    try:
        client.request("DELETE", _bucket_path(bucket, "objects", object_id))
    except MixpeekAPIError as exc:
        if exc.status == 404:
            return None
        return scrub(f"could not delete object {object_id}: {exc}", [])
    return None


def batch_request(object_ids: list[str], collection: str, name: str) -> dict[str, Any]:
    """A CreateBatchRequest for these objects, processed into one collection."""
    return {"object_ids": object_ids, "collection_ids": [collection], "batch_name": name}


def submit_batch(client: MixpeekClient, bucket: str, object_ids: list[str], collection: str, name: str) -> str:
    """POST /v1/buckets/{bucket}/batches?auto_submit=true; returns the batch id."""
    answer = client.request(
        "POST",
        _bucket_path(bucket, "batches"),
        json=batch_request(object_ids, collection, name),
        params={"auto_submit": "true"},
    )
    batch_id = answer.get("batch_id") if isinstance(answer, dict) else None
    if not isinstance(batch_id, str) or not batch_id:
        raise MixpeekAPIError(200, "Mixpeek created a batch but named no batch_id", method="POST", path="batches")
    return batch_id
