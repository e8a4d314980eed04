"""A dry run's plan, counted in memory so that nothing but the run row is written: the MERGE's rules in Python."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from mixpeek_snowflake.sync.records import StagedPage

_OLDEST = datetime.min


@dataclass
class DryPlan:
    """The newest staged version of each document, the ids seen, and the ids the change feed says were deleted."""

    newest: dict[str, tuple[tuple[bool, datetime, int], str]] = field(default_factory=dict)
    seen: set[str] = field(default_factory=set)
    deleted: set[str] = field(default_factory=set)
    arrivals: int = 0

    def add(self, page: StagedPage) -> None:
        """Take a page as the stage would (newest _internal.updated_at wins, then the later arrival)."""
        for key in page.keys:
            self.arrivals += 1
            rank = (key.updated_at is not None, key.updated_at or _OLDEST, self.arrivals)
            held = self.newest.get(key.document_id)
            if held is None or rank > held[0]:
                self.newest[key.document_id] = (rank, key.content_hash)
            self.seen.add(key.document_id)
        self.seen.update(r.document_id for r in page.rejects if r.document_id)

    def counts(self, rows: Iterable[tuple[Any, ...]], collection_id: str, full: bool) -> dict[str, int]:
        """inserted, updated, unchanged, deleted against the target's (id, hash, is_deleted, collection) rows."""
        target = {row[0]: row for row in rows}
        inserts = sum(1 for document_id in self.newest if document_id not in target)
        updates = sum(
            1
            for document_id, (_, content_hash) in self.newest.items()
            if document_id in target and (target[document_id][1] != content_hash or target[document_id][2])
        )
        gone = sum(
            1
            for document_id, (_, _, is_deleted, owner) in target.items()
            if owner == collection_id
            and not is_deleted
            and document_id not in self.seen
            and (full or document_id in self.deleted)
        )
        distinct = len(self.newest)
        return {"inserted": inserts, "updated": updates, "unchanged": distinct - inserts - updates, "deleted": gone}
