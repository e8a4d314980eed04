"""Expected rows written from the documented column definitions (README, docs/procedures.md, docs/sync.md), never
from the bundle's own record or label code: what the referee (verify.py) compares the synced tables with."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime
from typing import Any

NUMBER_38_MAX = 10**38 - 1
LABEL_PARTS = ("id", "label", "score", "assignments", "path")


def text(value: object) -> str | None:
    """A VARCHAR column reads a non-empty JSON string; anything else is NULL."""
    return value if isinstance(value, str) and value != "" else None


def at(obj: object, *path: str) -> Any:
    """The value at a key path of nested objects, None when any step is missing or not an object."""
    for key in path:
        obj = obj.get(key) if isinstance(obj, dict) else None
    return obj


def naive_utc(value: object) -> datetime | None:
    """An ISO-8601 text as the naive UTC TIMESTAMP_NTZ the tables hold; NULL when it is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
        return moment.astimezone(UTC).replace(tzinfo=None) if moment.tzinfo else moment
    except (ValueError, OverflowError):
        return None


def content_hash(doc: object) -> str:
    """CONTENT_HASH: SHA-256 (hex) of the document's canonical JSON: keys sorted, no spaces, UTF-8 text."""
    canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _source_url(doc: dict[str, Any]) -> str | None:
    """_internal.processing.source_url, else the URL of the first source blob (a blob without a role is one)."""
    url = text(at(doc, "_internal", "processing", "source_url"))
    blobs = [b for b in (at(doc, "_internal", "source_blobs"), doc.get("document_blobs")) if isinstance(b, list)]
    for blob in (b for group in blobs for b in group):
        if url is None and isinstance(blob, dict) and blob.get("role", "source") == "source":
            url = text(blob.get("url"))
    return url


def _size(value: object) -> int | None:
    """SIZE_BYTES is NUMBER(38,0): a whole, non-negative JSON integer of at most 38 digits, else NULL."""
    if type(value) is int and 0 <= value <= NUMBER_38_MAX:
        return value
    return None


def typed_columns(doc: dict[str, Any], collection_id: str | None = None) -> dict[str, Any]:
    """The target's columns for one live document, from the column comments: each from its documented path."""
    lineage = at(doc, "_internal", "lineage")
    return {
        "DOCUMENT_ID": doc["document_id"],
        "COLLECTION_ID": collection_id or text(doc.get("collection_id")) or text(at(doc, "_internal", "collection_id")),
        "NAMESPACE_ID": text(at(doc, "_internal", "namespace_id")),
        "CREATED_AT": naive_utc(at(doc, "_internal", "created_at")),
        "UPDATED_AT": naive_utc(at(doc, "_internal", "updated_at")),
        "MODALITY": text(at(doc, "_internal", "modality")),
        "MIME_TYPE": text(at(doc, "_internal", "mime_type")),
        "SOURCE_URL": _source_url(doc),
        "SOURCE_OBJECT_ID": text(at(lineage, "source_object_id")),
        "ROOT_OBJECT_ID": text(at(lineage, "root_object_id")),
        "ROOT_BUCKET_ID": text(at(lineage, "root_bucket_id")),
        "SIZE_BYTES": _size(at(doc, "_internal", "size_bytes")),
        "METADATA": doc.get("metadata"),
        "DOCUMENT": doc,
        "CONTENT_HASH": content_hash(doc),
    }


def size_note_expected(doc: dict[str, Any]) -> bool:
    """docs/sync.md: a size_bytes integer beyond NUMBER(38,0) keeps the document with SIZE_BYTES NULL and a
    reject row saying why."""
    size = at(doc, "_internal", "size_bytes")
    return type(size) is int and size > NUMBER_38_MAX


def _score(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    try:
        return float(value) if math.isfinite(value) else None
    except OverflowError:
        return None


def _label_path(value: object) -> list[str] | None:
    if isinstance(value, list) and value and all(isinstance(part, str) for part in value):
        return value
    return None


def _taxonomies(internal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """_internal._taxonomy_<id>_<part> fields grouped by taxonomy id (the id may hold underscores)."""
    found: dict[str, dict[str, Any]] = {}
    for key, value in internal.items():
        head, _, part = key.rpartition("_") if isinstance(key, str) else ("", "", "")
        if head.startswith("_taxonomy_") and len(head) > len("_taxonomy_") and part in LABEL_PARTS:
            found.setdefault(head[len("_taxonomy_") :], {})[part] = value
    return found


def _stored_rank(item: dict[str, Any]) -> float:
    rank = item.get("rank")
    return float(rank) if isinstance(rank, int | float) and not isinstance(rank, bool) else math.inf


def _ranked(fields: dict[str, Any]) -> list[tuple[object, object, object, object]]:
    """(node, label, score, path) best first: the assignments in their stored rank order (unranked last, as
    listed), PATH from an assignment or, on the best one only, the taxonomy's path; else the single best match."""
    assignments = fields.get("assignments")
    if isinstance(assignments, list) and assignments:
        items = sorted((a for a in assignments if isinstance(a, dict)), key=_stored_rank)
        return [
            (
                a.get("node_id"),
                a.get("label"),
                a.get("score"),
                a["path"] if "path" in a else (fields.get("path") if n == 0 else None),
            )
            for n, a in enumerate(items)
        ]
    if "id" in fields or "label" in fields:
        return [(fields.get("id"), fields.get("label"), fields.get("score"), fields.get("path"))]
    return []


def labels(doc: dict[str, Any], names: dict[str, str | None]) -> list[tuple[Any, ...]]:
    """MIXPEEK_DOCUMENT_LABELS rows of one live document as (DOCUMENT_ID, COLLECTION_ID, TAXONOMY_ID,
    TAXONOMY_NAME, NODE_ID, LABEL, SCORE, RANK, PATH as a tuple, DOCUMENT_UPDATED_AT); RANK counts from 1; a label with
    neither node id nor label text is no row. `names` maps taxonomy ids to the emulator's taxonomy names."""
    internal = doc.get("_internal")
    if not isinstance(internal, dict):
        return []
    collection, updated = typed_columns(doc)["COLLECTION_ID"], naive_utc(internal.get("updated_at"))
    rows = []
    for taxonomy_id, fields in _taxonomies(internal).items():
        for rank, (node, label, score, path) in enumerate(_ranked(fields), start=1):
            if text(node) or text(label):
                found = _label_path(path)
                rows.append(
                    (
                        doc["document_id"],
                        collection,
                        taxonomy_id,
                        names.get(taxonomy_id),
                        text(node),
                        text(label),
                        _score(score),
                        rank,
                        tuple(found) if found else None,
                        updated,
                    )
                )
    return rows
