"""Rebuild a collection's taxonomy labels from the documents already synced, refreshing taxonomy names."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from mixpeek_snowflake.snowflake.timestamps import format_timestamp
from mixpeek_snowflake.sync.engine import Sync
from mixpeek_snowflake.sync.labels import document_labels


def _document(value: Any) -> dict[str, Any]:
    parsed = json.loads(value) if isinstance(value, str) else value
    return parsed if isinstance(parsed, dict) else {}


class LabelRefresh(Sync):
    """A run (same run row, lease and stage as a sync) that rewrites MIXPEEK_DOCUMENT_LABELS for one collection."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.request = replace(self.request, mode="labels", given=self.request.given)
        self.mode = "labels"

    def _sync(self) -> None:
        after = ""
        while rows := self.db.rows(self.tables.live_documents_after(), [self.collection_id, after]):
            self._stage_labels(rows)
            after = rows[-1][0]
        taxonomies = self._new_taxonomies(refetch=True)
        with self.db.transaction():
            self._cache_taxonomies(taxonomies)
            target = self.tables.target.display
            self.db.rows(self.tables.clear_target_labels(), [target, self.collection_id])
            params = [self.run_id, self._now_text(), target, self.run_id]
            self.progress.counts["labels"] = self.db.count(self.tables.write_staged_labels(), params)

    def _stage_labels(self, rows: list[tuple[Any, ...]]) -> None:
        staged = []
        for document_id, updated_at, document in rows:
            labels = document_labels(_document(document))
            self.progress.taxonomy_ids.update(label["taxonomy_id"] for label in labels)
            updated = format_timestamp(updated_at)
            staged.append({"document_id": document_id, "collection_id": self.collection_id, "updated_at": updated})
            staged[-1]["labels"] = labels
        self.progress.documents_seen += len(rows)
        self.progress.pages += 1
        self._stage(self.tables.stage_label_rows(), json.dumps(staged), len(staged))
