"""Source keys to Mixpeek documents: by document id, or by listing the documents whose field holds the key."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any, Protocol, cast

from mixpeek_snowflake.enrich.options import DOCUMENT_ID
from mixpeek_snowflake.enrich.source import SourceRow
from mixpeek_snowflake.mixpeek.listing import iter_pages

LIST_PAGE_SIZE = 1000
MIN_SCRUBBED = 3


@dataclass(frozen=True)
class Target:
    """One document to update with the values of one source row."""

    document_id: str
    key_text: str
    update_data: dict[str, Any]
    values_hash: str
    row: int | None = None


@dataclass(frozen=True)
class Failure:
    """A row or document nothing was pushed for, and why; shown only as a hash, a row number and value types."""

    key_text: str | None
    document_id: str | None
    reason: str
    update_data: dict[str, Any] | None = None
    row: int | None = None

    def _document(self) -> str | None:
        return None if self.document_id == self.key_text else self.document_id

    def _reason(self) -> str:
        reason = self.reason
        for text in (self.key_text, self.document_id):
            if text and len(text) >= MIN_SCRUBBED:
                reason = reason.replace(text, "<key>")
        return reason

    def as_row(self) -> dict[str, Any]:
        """The JSON object the failures INSERT reads: no key text and no source value."""
        types = {k: json_type(v) for k, v in self.update_data.items()} if self.update_data is not None else None
        return {
            "key": key_hash(self.key_text),
            "document_id": self._document(),
            "reason": self._reason(),
            "update_data": types,
        }

    def sample(self) -> dict[str, Any]:
        """The failure as the summary shows it."""
        return {
            "row": self.row,
            "key_hash": key_hash(self.key_text),
            "document_id": self._document(),
            "reason": self._reason(),
        }


def key_hash(text: str | None) -> str | None:
    """SHA-256 hex of a key's text, how tables and summaries name a key: SHA2(<key as text>, 256) in SQL."""
    return None if text is None else hashlib.sha256(text.encode()).hexdigest()


def json_type(value: Any) -> str:
    """The JSON type name of a value (null, boolean, number, string, array, object), never the value."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    names = (("string", str), ("array", list), ("object", dict))
    return next((name for name, kind in names if isinstance(value, kind)), type(value).__name__)


class DocumentLister(Protocol):
    def list_documents(self, collection: str, body: dict) -> dict: ...


def values_hash(update_data: dict[str, Any]) -> str:
    """SHA-256 of the canonical JSON of an update: equal values give equal hashes, whatever the order."""
    text = json.dumps(update_data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()


def _target(row: SourceRow, document_id: str) -> Target:
    data = row.update_data or {}
    return Target(document_id, row.key_text or "", data, values_hash(data), row.row)


def by_document_id(rows: list[SourceRow]) -> tuple[list[Target], list[Failure]]:
    """Each key is the id of the document to update."""
    targets, failures = [], []
    for row in rows:
        if isinstance(row.key, str) and row.key.strip():
            targets.append(_target(row, row.key))
        else:
            failures.append(Failure(row.key_text, None, "key is not a document id (doc_…)", row=row.row))
    return targets, failures


def canonical(value: Any) -> str:
    """A comparable form of a key or field value: 7 and 7.0 agree, "7" and true stay distinct."""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return json.dumps(value, sort_keys=True)


def field_values(document: dict[str, Any], path: str) -> list[Any]:
    """The value(s) at a dot path: a list field gives its items, a missing field gives none."""
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return []
        node = node[part]
    return node if isinstance(node, list) else [node]


def matching_documents(
    client: DocumentLister, collection: str, field: str, rows: list[SourceRow]
) -> dict[str, list[str]]:
    """Canonical key → ids of the documents whose `field` holds it, listed with one `in` filter."""
    wanted: dict[str, list[str]] = {canonical(row.key): [] for row in rows}
    condition = {"field": field, "operator": "in", "value": [row.key for row in rows]}
    body = {"filters": {"AND": [condition], "case_sensitive": True}, "select": [field], "limit": LIST_PAGE_SIZE}
    for page in iter_pages(cast(Any, client), collection, body):
        for document in page.documents:
            for value in field_values(document, field):
                found = wanted.get(canonical(value))
                if found is not None and document.get("document_id") not in found:
                    found.append(document["document_id"])
    return wanted


def by_field(
    client: DocumentLister, collection: str, field: str, rows: list[SourceRow]
) -> tuple[list[Target], list[Failure]]:
    """Each key selects every document whose `field` equals it; a document two keys select is refused."""
    if not rows:
        return [], []
    matches = matching_documents(client, collection, field, rows)
    claimed: dict[str, str] = {}
    targets, failures = [], []
    for row in rows:
        ids = matches[canonical(row.key)]
        if not ids:
            failures.append(
                Failure(row.key_text, None, f"no document has this key in {field}", row.update_data, row.row)
            )
        for document_id in ids:
            if document_id in claimed:
                reason = f"{field} of this document also matches key hash {claimed[document_id]}; sent for it only"
                failures.append(Failure(row.key_text, document_id, reason, row.update_data, row.row))
                continue
            claimed[document_id] = key_hash(row.key_text) or ""
            targets.append(_target(row, document_id))
    return targets, failures


def resolve(
    client: DocumentLister, collection: str, key_field: str, rows: list[SourceRow]
) -> tuple[list[Target], list[Failure]]:
    """Targets for the rows under the configured key field, and the rows that match nothing."""
    if key_field == DOCUMENT_ID:
        return by_document_id(rows)
    return by_field(client, collection, key_field, rows)
