"""Parse and validate a list-documents request from its query string and optional JSON body."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from .errors import validation_error

BODY_KEYS = (
    "filters",
    "sort",
    "search",
    "cursor",
    "partition",
    "include_total",
    "return_presigned_urls",
    "return_vectors",
    "return_vector_names",
    "group_by",
    "select",
    "expand",
    "limit",
    "offset",
    "page_size",
)
IGNORED_KEYS = ("group_by", "expand")
MAX_LIMIT = 1000
MAX_QUERY_OFFSET = 10_000
MAX_PARTITIONS = 256


@dataclass
class ListQuery:
    """A validated list-documents request."""

    filters: Any = None
    sort: dict[str, str] | None = None
    search: str | None = None
    cursor: str | None = None
    partition: tuple[int, int] | None = None
    include_total: bool = False
    return_vectors: bool = False
    return_vector_names: bool | list[str] | None = None
    select: list[str] | None = None
    limit: int = 10
    offset: int = 0
    warnings: list[str] = field(default_factory=list)


def unknown_body_keys(body: dict[str, Any], accepted: tuple[str, ...], strict: bool, model: str) -> list[str]:
    """Undeclared keys of a request body: a 422 extra_forbidden in strict mode, else warning texts."""
    extra = sorted(set(body) - set(accepted))
    if not extra:
        return []
    if strict:
        raise validation_error(
            f"{model} does not accept {extra}; accepted keys: {', '.join(accepted)}",
            code="extra_forbidden",
            extra_keys=extra,
            accepted_keys=list(accepted),
        )
    return [f"Ignored unknown body key(s) {extra}: not part of {model} (accepted: {', '.join(accepted)})"]


def parse_list_query(query: dict[str, str], body: Any, strict: bool = False) -> ListQuery:
    """Merge query params and body (the body wins) into a ListQuery; 422 ApiError when invalid."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise validation_error("the request body must be a JSON object (ListDocumentsRequest)")
    q = ListQuery(warnings=unknown_body_keys(body, BODY_KEYS, strict, "ListDocumentsRequest"))
    q.warnings += [f"'{key}' is ignored by the emulator" for key in IGNORED_KEYS if body.get(key) is not None]
    q.filters = _pick(body, "filters", query, _json_param, _check_dict)
    q.sort = _sort(_pick(body, "sort", query, _sort_param, lambda n, v: v))
    q.search = _pick(body, "search", query, _str_param, _check_str)
    q.cursor = _cursor(body, query)
    q.partition = _partition(body.get("partition"))
    q.include_total = _pick(body, "include_total", query, _bool_param, _check_bool) or False
    q.return_vectors = _pick(body, "return_vectors", query, _bool_param, _check_bool) or False
    q.return_vector_names = _pick(body, "return_vector_names", query, _names_param, _check_names)
    q.select = _pick(body, "select", query, _list_param, _check_str_list)
    q.limit = page_limit(body, query)
    q.offset = page_offset(body, query, q.limit)
    return q


def _pick(body: dict[str, Any], name: str, query: dict[str, str], parse: Any, check: Any) -> Any:
    if body.get(name) is not None:
        return check(name, body[name])
    if query.get(name) is not None:
        return parse(name, query[name])
    return None


def _check_dict(name: str, value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise validation_error(f"{name} must be a JSON object", code="invalid_filters")
    return value


def _check_str(name: str, value: Any) -> str:
    if not isinstance(value, str):
        raise validation_error(f"{name} must be a string")
    return value


def _check_bool(name: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise validation_error(f"{name} must be a boolean")
    return value


def _check_int(name: str, value: Any, low: int, high: int | None) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise validation_error(f"{name} must be an integer")
    if value < low or (high is not None and value > high):
        bound = f"between {low} and {high}" if high is not None else f"at least {low}"
        raise validation_error(f"{name} must be {bound}, got {value}", code="out_of_range", field=name)
    return value


def _check_str_list(name: str, value: Any) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise validation_error(f"{name} must be a list of strings")
    return value


def _check_names(name: str, value: Any) -> bool | list[str]:
    return value if isinstance(value, bool) else _check_str_list(name, value)


def _json_param(name: str, raw: str) -> Any:
    try:
        return _check_dict(name, json.loads(raw))
    except json.JSONDecodeError as exc:
        raise validation_error(f"{name} is not valid JSON: {exc.msg}", code="invalid_filters") from exc


def _str_param(_name: str, raw: str) -> str:
    return raw


def _bool_param(name: str, raw: str) -> bool:
    if raw.lower() not in ("true", "false"):
        raise validation_error(f"{name} must be true or false, got {raw!r}")
    return raw.lower() == "true"


def _int_param(name: str, raw: str, low: int, high: int | None) -> int:
    try:
        value = int(raw)
    except ValueError as exc:
        raise validation_error(f"{name} must be an integer, got {raw!r}") from exc
    return _check_int(name, value, low, high)


def _list_param(name: str, raw: str) -> list[str]:
    if raw.startswith("["):
        return _check_str_list(name, _loads(name, raw))
    return [part.strip() for part in raw.split(",") if part.strip()]


def _names_param(name: str, raw: str) -> bool | list[str]:
    return _bool_param(name, raw) if raw.lower() in ("true", "false") else _list_param(name, raw)


def _sort_param(name: str, raw: str) -> Any:
    if raw.startswith("{"):
        return _loads(name, raw)
    field_name, _, direction = raw.partition(":")
    return {"field": field_name, "direction": direction or "asc"}


def _loads(name: str, raw: str) -> Any:
    try:
        return json.loads(raw)
    except json.JSONDecodeError as exc:
        raise validation_error(f"{name} is not valid JSON: {exc.msg}") from exc


def _sort(value: Any) -> dict[str, str] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or not isinstance(value.get("field"), str) or not value["field"]:
        raise validation_error("sort must be {field, direction}")
    direction = value.get("direction") or "asc"
    if direction not in ("asc", "desc"):
        raise validation_error(f"sort.direction must be asc or desc, got {direction!r}")
    return {"field": value["field"], "direction": direction}


def _cursor(body: dict[str, Any], query: dict[str, str]) -> str | None:
    if body.get("cursor") is not None:
        return _check_str("cursor", body["cursor"])
    return next((query[k] for k in ("cursor", "next_cursor", "after") if query.get(k)), None)


def _partition(value: Any) -> tuple[int, int] | None:
    if value is None:
        return None
    if not isinstance(value, dict) or set(value) != {"index", "count"}:
        raise validation_error("partition must be {index, count}", code="invalid_partition")
    count = _check_int("partition.count", value["count"], 1, MAX_PARTITIONS)
    index = _check_int("partition.index", value["index"], 0, count - 1)
    return index, count


def page_limit(body: dict[str, Any], query: dict[str, str]) -> int:
    """The page size from body (`limit`/`page_size`) or query, 1..1000, default 10."""
    for name in ("limit", "page_size"):
        if body.get(name) is not None:
            return _check_int(name, body[name], 1, MAX_LIMIT)
    for name in ("limit", "page_size"):
        if query.get(name) is not None:
            return _int_param(name, query[name], 1, MAX_LIMIT)
    return 10


def page_offset(body: dict[str, Any], query: dict[str, str], limit: int) -> int:
    """The offset from body (unbounded), query (at most 10,000) or query `page`."""
    if body.get("offset") is not None:
        return _check_int("offset", body["offset"], 0, None)
    if query.get("offset") is not None:
        return _int_param("offset", query["offset"], 0, MAX_QUERY_OFFSET)
    if query.get("page") is not None:
        return (_int_param("page", query["page"], 1, None) - 1) * limit
    return 0
