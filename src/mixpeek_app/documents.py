"""Pure helpers over documents and rows: thumbnails from document_blobs, presigned URLs kept out of sight, freshness."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

VIEWABLE = ("https://", "http://")
HIDDEN_KEYS = frozenset({"presigned_url", "_internal"})


@dataclass(frozen=True)
class Thumbnail:
    """What to show for a document's picture: an address a browser can load, or only a caption."""

    image_url: str | None
    caption: str


def _blobs(value: Any) -> list[Mapping[str, Any]]:
    return [blob for blob in value if isinstance(blob, Mapping)] if isinstance(value, list) else []


def thumbnail(blobs: Any) -> Thumbnail | None:
    """The document's thumbnail blob (else its first image blob): its presigned URL, else its URL if viewable.

    A presigned URL is shown only as the picture itself, never as text (it is a credential while it lasts).
    """
    found = _blobs(blobs)
    chosen = next((b for b in found if b.get("role") == "thumbnail"), None)
    chosen = chosen or next((b for b in found if b.get("type") == "image"), None)
    if chosen is None:
        return None
    field = str(chosen.get("field") or chosen.get("role") or "blob")
    for candidate in (chosen.get("presigned_url"), chosen.get("url")):
        if isinstance(candidate, str) and candidate.startswith(VIEWABLE):
            return Thumbnail(candidate, field)
    url = chosen.get("url")
    where = url if isinstance(url, str) and not url.startswith(VIEWABLE) else "no address"
    return Thumbnail(None, f"{field}: {where} (not viewable in a browser)")


def shown(value: Any) -> Any:
    """A document or metadata object without presigned URLs and Mixpeek's internal block, for display."""
    if isinstance(value, Mapping):
        return {key: shown(item) for key, item in value.items() if key not in HIDDEN_KEYS}
    if isinstance(value, list):
        return [shown(item) for item in value]
    return value


def title(row: Mapping[str, Any]) -> str:
    """A result's title: its metadata title, else its document id."""
    metadata = row.get("METADATA")
    name = metadata.get("title") if isinstance(metadata, Mapping) else None
    return str(name or row.get("DOCUMENT_ID") or "untitled")


def join_key(row: Mapping[str, Any], field: str) -> str | None:
    """The value a search result joins a business table on: DOCUMENT_ID or one metadata field, as text."""
    if field == "DOCUMENT_ID":
        value = row.get("DOCUMENT_ID")
    else:
        metadata = row.get("METADATA")
        value = metadata.get(field) if isinstance(metadata, Mapping) else None
    if value is None or isinstance(value, Mapping | list):
        return None
    return str(value).lower() if isinstance(value, bool) else str(value)


def freshness(lag_seconds: Any) -> str:
    """How long ago the target last succeeded, for people: 45 s, 12 min, 3.5 h, 2.0 d; never when unknown."""
    if lag_seconds is None:
        return "never"
    seconds = float(lag_seconds)
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 7200:
        return f"{seconds / 60:.0f} min"
    if seconds < 172800:
        return f"{seconds / 3600:.1f} h"
    return f"{seconds / 86400:.1f} d"


def target_label(row: Mapping[str, Any]) -> str:
    """One target as the app names it: collection → table."""
    return f"{row['COLLECTION_ID']} → {row['TARGET_TABLE']}"
