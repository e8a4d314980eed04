"""Mixpeek documents to staged rows: typed fields, a content hash, the whole document kept as sent."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mixpeek_snowflake.mixpeek.pages import Unparsed
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, parse_timestamp
from mixpeek_snowflake.sync.labels import document_labels

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024 - 64 * 1024
MAX_EXCERPT_CHARS = 2000


@dataclass
class Reject:
    """A document that cannot be stored, with the reason, kept for the rejects table."""

    document_id: str | None
    reason: str
    excerpt: str


@dataclass
class StagedPage:
    """One page converted: JSON text ready to bind, plus what the run needs to know about it."""

    rows_json: list[str] = field(default_factory=list)
    taxonomy_ids: set[str] = field(default_factory=set)
    rejects: list[Reject] = field(default_factory=list)
    newest: datetime | None = None


def _get(obj: object, *path: str) -> Any:
    for key in path:
        if not isinstance(obj, dict):
            return None
        obj = obj.get(key)
    return obj


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _source_url(doc: dict[str, Any]) -> str | None:
    url = _text(_get(doc, "_internal", "processing", "source_url"))
    if url:
        return url
    for blobs in (_get(doc, "_internal", "source_blobs"), doc.get("document_blobs")):
        for blob in blobs if isinstance(blobs, list) else []:
            if isinstance(blob, dict) and blob.get("role", "source") == "source" and _text(blob.get("url")):
                return blob["url"]
    return None


def _size(value: object) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else None


def typed_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """The typed columns a BI user queries, read defensively from the document."""
    internal = doc.get("_internal") if isinstance(doc.get("_internal"), dict) else {}
    lineage = internal.get("lineage") if isinstance(internal.get("lineage"), dict) else {}
    return {
        "document_id": doc["document_id"],
        "collection_id": _text(doc.get("collection_id")) or _text(internal.get("collection_id")),
        "namespace_id": _text(internal.get("namespace_id")),
        "created_at": format_timestamp(parse_timestamp(internal.get("created_at"))),
        "updated_at": format_timestamp(parse_timestamp(internal.get("updated_at"))),
        "modality": _text(internal.get("modality")),
        "mime_type": _text(internal.get("mime_type")) or _text(_get(internal, "processing", "detected_mime_type")),
        "source_url": _source_url(doc),
        "source_object_id": _text(lineage.get("source_object_id")),
        "root_object_id": _text(lineage.get("root_object_id")),
        "root_bucket_id": _text(lineage.get("root_bucket_id")),
        "size_bytes": _size(internal.get("size_bytes")),
    }


def excerpt(doc: object) -> str:
    """A bounded, printable excerpt of a document for the rejects table."""
    try:
        text = json.dumps(doc, default=repr, ensure_ascii=True)
    except (ValueError, RecursionError):
        try:
            text = repr(doc)
        except RecursionError:
            text = f"<{type(doc).__name__} nested too deeply to print>"
    return text[:MAX_EXCERPT_CHARS]


def canonical_json(doc: object) -> str:
    """Deterministic JSON (sorted keys, no spaces): the stored text and the hash input."""
    return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def _document_id(doc: object) -> str | None:
    value = doc.get("document_id") if isinstance(doc, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def _problem(doc: object) -> tuple[str | None, str]:
    """Serialise one document, returning (canonical JSON, '') or (None, reason)."""
    if not isinstance(doc, dict):
        return None, f"document is a JSON {type(doc).__name__}, not an object"
    if _document_id(doc) is None:
        return None, "document_id is missing, empty or not a string"
    try:
        text = canonical_json(doc)
        size = len(text.encode("utf-8"))
    except UnicodeEncodeError:
        return None, "document holds invalid Unicode (an unpaired surrogate escape)"
    except ValueError:
        return None, "document holds NaN or Infinity, which a Snowflake VARIANT cannot store"
    except RecursionError:
        return None, "document is nested too deeply to serialise"
    if size > MAX_DOCUMENT_BYTES:
        return None, f"document is {size} bytes; a Snowflake VARIANT holds at most {MAX_DOCUMENT_BYTES} here"
    return text, ""


def stage_row(doc: dict[str, Any], text: str, labels: list[dict[str, Any]], collection_id: str | None = None) -> str:
    """The JSON object bound into the stage: typed fields, labels, content hash, and the document text."""
    fields = typed_fields(doc)
    if collection_id:
        fields["collection_id"] = collection_id
    fields["labels"] = labels
    fields["content_hash"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return json.dumps(fields, ensure_ascii=False)[:-1] + ',"document":' + text + "}"


def convert_page(documents: list[object], collection_id: str | None = None) -> StagedPage:
    """Convert one page of documents into stage rows and rejects; collection_id, when given, is the collection
    the page was listed from and overrides what each document says."""
    page = StagedPage()
    for doc in documents:
        if isinstance(doc, Unparsed):
            page.rejects.append(Reject(doc.document_id, doc.reason, doc.excerpt))
            continue
        text, reason = _problem(doc)
        if text is None:
            page.rejects.append(Reject(_document_id(doc), reason, excerpt(doc)))
            continue
        labels = document_labels(doc)
        page.taxonomy_ids.update(label["taxonomy_id"] for label in labels)
        page.rows_json.append(stage_row(doc, text, labels, collection_id))
        updated = parse_timestamp(_get(doc, "_internal", "updated_at"))
        if updated and (page.newest is None or updated > page.newest):
            page.newest = updated
    return page
