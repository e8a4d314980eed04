"""Taxonomy labels read from a document's _internal._taxonomy_<id>_* fields, one row per (taxonomy, rank)."""

from __future__ import annotations

import re
from typing import Any

_FIELD = re.compile(r"_taxonomy_(?P<taxonomy>.+)_(?P<part>id|label|score|assignments|path)")


def _number(value: object) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if value == value and abs(value) != float("inf") else None


def _text(value: object) -> str | None:
    return value if isinstance(value, str) and value else None


def _path(value: object) -> list[str] | None:
    if isinstance(value, list) and value and all(isinstance(p, str) for p in value):
        return value
    return None


def taxonomy_fields(internal: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """The _taxonomy_* fields of _internal grouped by taxonomy id: {taxonomy_id: {part: value}}."""
    grouped: dict[str, dict[str, Any]] = {}
    for key, value in internal.items():
        match = _FIELD.fullmatch(key) if isinstance(key, str) and key.startswith("_taxonomy_") else None
        if match:
            grouped.setdefault(match["taxonomy"], {})[match["part"]] = value
    return grouped


def _label(taxonomy_id: str, node: object, label: object, score: object, rank: int, path: object) -> dict[str, Any]:
    return {
        "taxonomy_id": taxonomy_id,
        "node_id": _text(node),
        "label": _text(label),
        "score": _number(score),
        "rank": rank,
        "path": _path(path),
    }


def _rank_key(item: dict[str, Any]) -> float:
    rank = item.get("rank")
    return float(rank) if isinstance(rank, int | float) and not isinstance(rank, bool) else float("inf")


def _from_assignments(taxonomy_id: str, parts: dict[str, Any]) -> list[dict[str, Any]]:
    ordered = sorted((a for a in parts["assignments"] if isinstance(a, dict)), key=_rank_key)
    rows = []
    for rank, item in enumerate(ordered, start=1):
        path = item.get("path", parts.get("path") if rank == 1 else None)
        rows.append(_label(taxonomy_id, item.get("node_id"), item.get("label"), item.get("score"), rank, path))
    return rows


def document_labels(doc: dict[str, Any]) -> list[dict[str, Any]]:
    """Every label of a document, best match first within each taxonomy; [] when it has none."""
    internal = doc.get("_internal")
    if not isinstance(internal, dict):
        return []
    rows: list[dict[str, Any]] = []
    for taxonomy_id, parts in sorted(taxonomy_fields(internal).items()):
        if isinstance(parts.get("assignments"), list) and parts["assignments"]:
            rows.extend(_from_assignments(taxonomy_id, parts))
        elif "id" in parts or "label" in parts:
            best = (parts.get("id"), parts.get("label"), parts.get("score"))
            rows.append(_label(taxonomy_id, *best, 1, parts.get("path")))
    return [row for row in rows if row["node_id"] or row["label"]]
