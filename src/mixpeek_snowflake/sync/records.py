"""Mixpeek documents to staged rows: typed fields, a content hash, the whole document kept as sent."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mixpeek_snowflake.mixpeek.pages import MAX_INTEGER_DIGITS, Unparsed
from mixpeek_snowflake.snowflake.binds import compressed_size, fits
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, parse_timestamp
from mixpeek_snowflake.sync.labels import document_labels

MAX_DOCUMENT_BYTES = 16 * 1024 * 1024 - 64 * 1024
MAX_DOCUMENT_COMPRESSED = 800_000
MAX_EXCERPT_CHARS = 2000
MAX_NUMBER_38 = 10**38 - 1

# json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False) builds this very
# encoder on every call; made once, and without the cycle check (a parsed document has no cycles; on RecursionError
# the checking one is run, so a cycle or a too-deep document fails exactly as it did).
_CANONICAL = json.JSONEncoder(
    sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=False
).encode
_CANONICAL_CHECKED = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode
# json.dumps(fields, ensure_ascii=False); fields hold values of a document that has just serialised, so no cycle.
_FIELDS = json.JSONEncoder(ensure_ascii=False, check_circular=False).encode


@dataclass
class Reject:
    """A document that cannot be stored, with the reason, kept for the rejects table."""

    document_id: str | None
    reason: str
    excerpt: str


@dataclass(frozen=True)
class RowKey:
    """What the newest-version rule and the change check read of a staged row (a dry run plans with these)."""

    document_id: str
    updated_at: datetime | None
    content_hash: str


@dataclass
class StagedPage:
    """One page converted: JSON text ready to bind, plus what the run needs to know about it. `notes` are documents
    kept with a typed column left NULL, recorded in the rejects table with the reason."""

    rows_json: list[str] = field(default_factory=list)
    taxonomy_ids: set[str] = field(default_factory=set)
    rejects: list[Reject] = field(default_factory=list)
    notes: list[Reject] = field(default_factory=list)
    keys: list[RowKey] = field(default_factory=list)
    newest: datetime | None = None


def _internal(doc: dict[str, Any]) -> dict[str, Any]:
    internal = doc.get("_internal")
    return internal if isinstance(internal, dict) else {}


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
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_NUMBER_38:
        return value
    return None


def range_notes(doc: dict[str, Any]) -> list[str]:
    """Why a typed column of a kept document is NULL although the document has the field: it exceeds the type."""
    size = _internal(doc).get("size_bytes")
    if isinstance(size, int) and not isinstance(size, bool) and size > MAX_NUMBER_38:
        digits = len(str(size))
        return [f"kept with SIZE_BYTES NULL: _internal.size_bytes has {digits} digits, beyond NUMBER(38,0)"]
    return []


def typed_fields(doc: dict[str, Any]) -> dict[str, Any]:
    """The typed columns a BI user queries, read defensively from the document."""
    internal = _internal(doc)
    found = internal.get("lineage")
    lineage: dict[str, Any] = found if isinstance(found, dict) else {}
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
    try:
        return _CANONICAL(doc)
    except RecursionError:
        return _CANONICAL_CHECKED(doc)


def _document_id(doc: object) -> str | None:
    value = doc.get("document_id") if isinstance(doc, dict) else None
    return value if isinstance(value, str) and value.strip() else None


def _problem(doc: object) -> tuple[str | None, str, bytes]:
    """Serialise one document, returning (canonical JSON, '', its UTF-8) or (None, reason, b'')."""
    if not isinstance(doc, dict):
        return None, f"document is a JSON {type(doc).__name__}, not an object", b""
    if _document_id(doc) is None:
        return None, "document_id is missing, empty or not a string", b""
    try:
        text = canonical_json(doc)
        encoded = text.encode("utf-8")
    except UnicodeEncodeError:
        return None, "document holds invalid Unicode (an unpaired surrogate escape)", b""
    except ValueError:
        return None, "document holds NaN or Infinity, which a Snowflake VARIANT cannot store", b""
    except TypeError:
        return None, f"document holds an integer of more than {MAX_INTEGER_DIGITS} digits, beyond a FLOAT's range", b""
    except RecursionError:
        return None, "document is nested too deeply to serialise", b""
    size = len(encoded)
    if size > MAX_DOCUMENT_BYTES:
        reason = (
            f"document is {size} bytes; the sync stores documents of at most {MAX_DOCUMENT_BYTES} bytes (a "
            "VARIANT holds 128 MB, but each document is bound into one staging statement)"
        )
        return None, reason, b""
    if size > MAX_DOCUMENT_COMPRESSED and not fits(text, MAX_DOCUMENT_COMPRESSED):
        reason = (
            f"document is {size} bytes, {compressed_size(text)} compressed; the sync stores documents of at most "
            f"{MAX_DOCUMENT_COMPRESSED} bytes compressed, so that its staging statement stays within Snowflake's 1 MB "
            "(a VARIANT holds 128 MB, but a larger bound statement cannot be retried)"
        )
        return None, reason, b""
    return text, "", encoded


def stage_row(doc: dict[str, Any], text: str, labels: list[dict[str, Any]], collection_id: str | None = None) -> str:
    """The JSON object bound into the stage: typed fields, labels, content hash, and the document text."""
    return _stage_row(doc, text, text.encode("utf-8"), labels, collection_id)[0]


def _stage_row(
    doc: dict[str, Any], text: str, encoded: bytes, labels: list[dict[str, Any]], collection_id: str | None
) -> tuple[str, RowKey]:
    fields = typed_fields(doc)
    if collection_id:
        fields["collection_id"] = collection_id
    fields["labels"] = labels
    fields["content_hash"] = hashlib.sha256(encoded).hexdigest()
    key = RowKey(fields["document_id"], parse_timestamp(_internal(doc).get("updated_at")), fields["content_hash"])
    return _FIELDS(fields)[:-1] + ',"document":' + text + "}", key


def convert_page(documents: list[object], collection_id: str | None = None) -> StagedPage:
    """Convert one page of documents into stage rows and rejects; collection_id, when given, is the collection
    the page was listed from and overrides what each document says."""
    page = StagedPage()
    for doc in documents:
        if isinstance(doc, Unparsed):
            page.rejects.append(Reject(doc.document_id, doc.reason, doc.excerpt))
            continue
        text, reason, encoded = _problem(doc)
        if text is None or not isinstance(doc, dict):
            page.rejects.append(Reject(_document_id(doc), reason, excerpt(doc)))
            continue
        labels = document_labels(doc)
        page.taxonomy_ids.update(label["taxonomy_id"] for label in labels)
        row, key = _stage_row(doc, text, encoded, labels, collection_id)
        page.rows_json.append(row)
        page.keys.append(key)
        page.notes.extend(Reject(key.document_id, note, text[:MAX_EXCERPT_CHARS]) for note in range_notes(doc))
        if key.updated_at and (page.newest is None or key.updated_at > page.newest):
            page.newest = key.updated_at
    return page
