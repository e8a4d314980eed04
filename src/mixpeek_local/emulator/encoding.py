"""Response bodies as JSON bytes, each stored document's text encoded once and reused on every page that lists it."""

from __future__ import annotations

import json
import operator
import threading
from typing import Any

_ENCODE = json.JSONEncoder(separators=(",", ":")).encode


class StoredDocument(dict[str, Any]):
    """A listed document rendered as the stored one, unprojected and without vectors: a shallow copy that remembers
    its source, so its text can be the source's cached one while the copy still holds what the source holds."""

    __slots__ = ("stored",)
    stored: dict[str, Any]

    def unchanged(self) -> bool:
        """Whether the copy still holds the very keys, in order, and values of its source (a listing hook may have
        edited it)."""
        stored = self.stored
        return (
            len(self) == len(stored)
            and list(self) == list(stored)
            and all(map(operator.is_, self.values(), stored.values()))
        )


def stored_copy(stored: dict[str, Any]) -> StoredDocument:
    """A StoredDocument of a stored document."""
    copy = StoredDocument(stored)
    copy.stored = stored
    return copy


class EncodedDocuments:
    """The JSON text of stored documents by document id, checked against the stored dict it was made from (the Store
    replaces a document's dict on every change and never edits one in place)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._texts: dict[object, tuple[dict[str, Any], str]] = {}

    def text(self, stored: dict[str, Any]) -> str:
        """The document's JSON text as json.dumps(stored, separators=(",", ":")) writes it."""
        key = stored.get("document_id")
        with self._lock:
            cached = self._texts.get(key)
        if cached is not None and cached[0] is stored:
            return cached[1]
        text = _ENCODE(stored)
        with self._lock:
            self._texts[key] = (stored, text)
        return text

    def _result(self, value: object) -> str:
        if isinstance(value, StoredDocument) and value.unchanged():
            return self.text(value.stored)
        return _ENCODE(value)

    def body(self, body: Any) -> bytes:
        """json.dumps(body, separators=(",", ":")).encode(), byte for byte, with a page's results from the cache."""
        results = body.get("results") if isinstance(body, dict) else None
        if not isinstance(results, list) or not all(isinstance(key, str) for key in body):
            return _ENCODE(body).encode()
        members = []
        for key, value in body.items():
            text = "[" + ",".join(self._result(r) for r in value) + "]" if value is results else _ENCODE(value)
            members.append(_ENCODE(key) + ":" + text)
        return ("{" + ",".join(members) + "}").encode()
