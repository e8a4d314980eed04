"""Deleted document ids from Mixpeek's change feed (GET /v1/events), read from a stored cursor."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

from mixpeek_snowflake.errors import PaginationLoopError

DELETED_EVENT = "document.deleted"
EVENTS_PAGE_SIZE = 1000


class EventSource(Protocol):
    def list_events(self, params: dict[str, Any]) -> dict[str, Any]: ...


@dataclass
class FeedPosition:
    """Where the feed was read up to; updated as pages are consumed."""

    cursor: str | None


def _deleted_ids(events: list[Any], collection_id: str) -> list[str]:
    ids = []
    for event in events:
        payload = event.get("payload") if isinstance(event, dict) else None
        if not isinstance(payload, dict):
            continue
        document_id = payload.get("document_id")
        owner = payload.get("collection_id")
        if isinstance(document_id, str) and owner in (None, collection_id):
            ids.append(document_id)
    return ids


def deleted_id_pages(source: EventSource, collection_id: str, position: FeedPosition) -> Iterator[list[str]]:
    """Yield the ids deleted since position.cursor, one feed page at a time, advancing position."""
    seen = {position.cursor}
    while True:
        params: dict[str, Any] = {"event_type": DELETED_EVENT, "limit": EVENTS_PAGE_SIZE}
        if position.cursor:
            params["cursor"] = position.cursor
        page = source.list_events(params)
        results = page.get("results") or []
        next_cursor = page.get("next_cursor") or position.cursor
        if results and page.get("has_more") and next_cursor in seen:
            raise PaginationLoopError(f"Loop detected in the change feed: cursor {str(next_cursor)[:40]} repeated")
        seen.add(next_cursor)
        position.cursor = next_cursor
        ids = _deleted_ids(results, collection_id)
        if ids:
            yield ids
        if not results or not page.get("has_more"):
            return
