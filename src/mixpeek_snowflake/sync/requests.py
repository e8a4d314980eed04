"""What the sync asks Mixpeek: the listing body a run's mode and definition make, and taxonomy names, bounded."""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Protocol

from mixpeek_snowflake.snowflake.timestamps import format_watermark, parse_timestamp
from mixpeek_snowflake.sync.definition import Definition

MAX_TAXONOMIES_PER_RUN = 100


class TaxonomySource(Protocol):
    def get_taxonomy(self, taxonomy_id: str) -> dict | None: ...


def listing_body(
    definition: Definition, page_size: int, incremental_since: str | None, overlap_seconds: int, filtered: bool = True
) -> dict[str, Any]:
    """A ListDocumentsRequest body: the definition's filter (unless filtered is False) AND, given a watermark,
    `_internal.updated_at >= watermark - overlap`; vectors when the definition includes them."""
    body: dict[str, Any] = {"limit": page_size}
    conditions = [definition.filters] if definition.filters and filtered else []
    since = parse_timestamp(incremental_since)
    if since is not None:
        since -= timedelta(seconds=overlap_seconds)
        conditions.append({"field": "_internal.updated_at", "operator": "gte", "value": format_watermark(since)})
    if conditions:
        body["filters"] = conditions[0] if len(conditions) == 1 else {"AND": conditions}
    if definition.include_vectors and filtered:
        body["return_vectors"] = True
    return body


def fetch_taxonomy_names(
    source: TaxonomySource, wanted: list[str], limit: int = MAX_TAXONOMIES_PER_RUN
) -> tuple[list[dict[str, Any]], int]:
    """Name and type of at most `limit` taxonomies (the first, in order), and how many were left for a later run."""
    fetched = []
    for taxonomy_id in wanted[:limit]:
        taxonomy = source.get_taxonomy(taxonomy_id) or {}
        config = taxonomy.get("config")
        kind = config.get("taxonomy_type") if isinstance(config, dict) else None
        fetched.append({"taxonomy_id": taxonomy_id, "taxonomy_name": taxonomy.get("taxonomy_name")})
        fetched[-1]["taxonomy_type"] = kind
    return fetched, max(0, len(wanted) - limit)
