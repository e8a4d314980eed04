"""Dot-path access into JSON documents: read, project (select), merge and dotted writes."""

from __future__ import annotations

import copy
from typing import Any


class _Missing:
    """Marker for a path that does not resolve."""

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def resolve(document: Any, path: str) -> Any:
    """The value at a dot path, MISSING when absent; a list mid-path maps over its elements."""
    return _resolve(document, path.split("."))


def _resolve(node: Any, parts: list[str]) -> Any:
    if not parts:
        return node
    if isinstance(node, dict):
        return _resolve(node[parts[0]], parts[1:]) if parts[0] in node else MISSING
    if isinstance(node, list):
        found = [_resolve(item, parts) for item in node]
        values = [v for v in found if v is not MISSING]
        flat = [x for v in values for x in (v if isinstance(v, list) else [v])]
        return flat if values else MISSING
    return MISSING


def project(document: dict[str, Any], paths: list[str], always: tuple[str, ...]) -> dict[str, Any]:
    """A copy of the document holding only the given dot paths (plus the `always` root keys)."""
    out: dict[str, Any] = {key: document[key] for key in always if key in document}
    for path in paths:
        value = _get_exact(document, path.split("."))
        if value is not MISSING:
            set_path(out, path, copy.deepcopy(value))
    return out


def _get_exact(node: Any, parts: list[str]) -> Any:
    for part in parts:
        if not isinstance(node, dict) or part not in node:
            return MISSING
        node = node[part]
    return node


def set_path(target: dict[str, Any], path: str, value: Any) -> None:
    """Set a nested key by dot path, creating (or replacing non-dict) parents."""
    *parents, leaf = path.split(".")
    node = target
    for part in parents:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    node[leaf] = value


def delete_path(target: dict[str, Any], path: str) -> None:
    """Remove a nested key by dot path; absent keys are ignored."""
    *parents, leaf = path.split(".")
    node = _get_exact(target, parents) if parents else target
    if isinstance(node, dict):
        node.pop(leaf, None)


def deep_merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    """A new dict: `changes` merged into `base`, recursing into dicts, replacing everything else."""
    merged = copy.deepcopy(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = deep_merge(merged[key], value)
        else:
            merged[key] = copy.deepcopy(value)
    return merged
