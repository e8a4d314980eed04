"""Field schemas inferred from sampled documents, merged under the collection's declared output schema."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

MAX_INFERRED_KEYS = 200
SAMPLED = "x-sampled"
_ISO = re.compile(r"\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:?\d{2})?)?")


def _is_datetime(text: str) -> bool:
    if not _ISO.fullmatch(text):
        return False
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def value_kind(value: object) -> str:
    """The schema type a JSON value suggests: boolean, integer, number, datetime, string, object or array."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "number"
    if isinstance(value, str):
        return "datetime" if _is_datetime(value) else "string"
    return "object" if isinstance(value, Mapping) else "array" if isinstance(value, list) else "unknown"


def _scalar_type(kinds: set[str]) -> str | None:
    for allowed, result in (({"boolean"}, "boolean"), ({"integer"}, "integer"), ({"integer", "number"}, "number")):
        if kinds <= allowed:
            return result
    if kinds == {"datetime"}:
        return "datetime"
    return "string" if kinds <= {"string", "datetime"} else None


def infer_field(values: Sequence[Any], warnings: list[str], where: str) -> dict[str, Any]:
    """A field schema for the non-null values one key held across the sample ({} when they disagree)."""
    kinds = {value_kind(v) for v in values}
    found: dict[str, Any] = {SAMPLED: len(values)}
    if kinds == {"object"}:
        return {**found, "type": "object", "properties": infer_properties(values, warnings, where)}
    if kinds == {"array"}:
        items = [item for value in values for item in value if item is not None]
        return {**found, "type": "array", "items": infer_field(items, warnings, f"{where}[]") if items else {}}
    scalar = _scalar_type(kinds)
    return {**found, "type": scalar} if scalar else found


def infer_properties(objects: Sequence[Mapping[str, Any]], warnings: list[str], where: str = "") -> dict[str, Any]:
    """Field schemas for the keys of sampled objects; the most frequent MAX_INFERRED_KEYS keys, sorted by name."""
    values: dict[str, list[Any]] = {}
    for obj in objects:
        for key, value in obj.items():
            if value is not None and isinstance(key, str):
                values.setdefault(key, []).append(value)
    kept = [key for key, _ in Counter({k: len(v) for k, v in values.items()}).most_common(MAX_INFERRED_KEYS)]
    if len(values) > len(kept):
        label = where or "the document root"
        warnings.append(
            f"{len(values) - len(kept)} sampled keys under {label} got no column (limit {MAX_INFERRED_KEYS})"
        )
    return {key: infer_field(values[key], warnings, f"{where}.{key}".lstrip(".")) for key in sorted(kept)}


def _object_properties(field: Mapping[str, Any]) -> Mapping[str, Any] | None:
    props = field.get("properties")
    return props if field.get("type") == "object" and isinstance(props, Mapping) else None


def merge_field(declared: Mapping[str, Any], inferred: Mapping[str, Any]) -> dict[str, Any]:
    """The declared field, with sampled sub-fields added where the schema lists none or fewer."""
    merged = dict(declared)
    if declared.get("type") == "object" and inferred.get("type") == "object":
        merged["properties"] = merge_properties(_object_properties(declared) or {}, inferred.get("properties") or {})
    items, sampled_items = declared.get("items"), inferred.get("items")
    if declared.get("type") == "array" and isinstance(items, Mapping) and isinstance(sampled_items, Mapping):
        merged["items"] = merge_field(items, sampled_items)
    elif declared.get("type") == "array" and not isinstance(items, Mapping) and isinstance(sampled_items, Mapping):
        merged["items"] = dict(sampled_items)
    return merged


def merge_properties(declared: Mapping[str, Any], inferred: Mapping[str, Any]) -> dict[str, Any]:
    """Declared fields first, in their order; then fields only the sample showed."""
    merged = {
        key: merge_field(field, inferred.get(key) or {}) if isinstance(field, Mapping) else {}
        for key, field in declared.items()
    }
    merged.update({key: dict(field) for key, field in inferred.items() if key not in merged})
    return merged
