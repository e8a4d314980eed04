"""Evaluate Mixpeek LogicalOperator filters (AND/OR/NOT, shorthand equality) against documents."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from .clock import parse_timestamp
from .docpaths import MISSING, resolve
from .errors import validation_error

Predicate = Callable[[dict[str, Any]], bool]

LOGICAL_KEYS = ("AND", "OR", "NOT")
LEAF_KEYS = {"field", "operator", "value", "case_sensitive"}
MAX_DEPTH = 16
UNSUPPORTED = ("phrase", "words", "geo_radius", "geo_bounding_box", "geo_polygon")
ISO_PATTERN = re.compile(r"^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$")


def compile_filter(spec: Any) -> Predicate:
    """Turn a filters object into a predicate; raises a 422 ApiError when it is malformed."""
    if spec is None or spec == {}:
        return lambda _doc: True
    if not isinstance(spec, dict):
        raise validation_error("filters must be a JSON object (a LogicalOperator)", code="invalid_filters")
    return _node(spec, case_sensitive=False, depth=0)


def _node(spec: dict[str, Any], case_sensitive: bool, depth: int) -> Predicate:
    if depth > MAX_DEPTH:
        raise validation_error(f"filters nest deeper than {MAX_DEPTH} levels", code="invalid_filters")
    if "field" in spec:
        return _leaf(spec, case_sensitive)
    sensitive = _flag(spec.get("case_sensitive", case_sensitive), "case_sensitive")
    parts = [_group(key, spec[key], sensitive, depth) for key in LOGICAL_KEYS if spec.get(key) is not None]
    shorthand = {k: v for k, v in spec.items() if k not in (*LOGICAL_KEYS, "case_sensitive")}
    parts += [_leaf({"field": k, "operator": "eq", "value": v}, sensitive) for k, v in shorthand.items()]
    return lambda doc: all(part(doc) for part in parts)


def _group(key: str, items: Any, case_sensitive: bool, depth: int) -> Predicate:
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise validation_error(f"filters.{key} must be a list of conditions or nested groups", code="invalid_filters")
    children = [_node(item, case_sensitive, depth + 1) for item in items]
    if key == "AND":
        return lambda doc: all(child(doc) for child in children)
    if key == "OR":
        return lambda doc: any(child(doc) for child in children)
    return lambda doc: not any(child(doc) for child in children)


def _leaf(spec: dict[str, Any], case_sensitive: bool) -> Predicate:
    unknown = sorted(set(spec) - LEAF_KEYS)
    field, operator = spec.get("field"), spec.get("operator", "eq")
    if unknown:
        raise validation_error(f"filter condition has unknown keys {unknown}", code="invalid_filters")
    if not isinstance(field, str) or not field:
        raise validation_error("filter condition needs a non-empty string 'field'", code="invalid_filters")
    if operator in UNSUPPORTED:
        raise validation_error(f"operator '{operator}' is not supported by the emulator", code="unsupported_operator")
    if operator not in _OPERATORS:
        raise validation_error(
            f"unknown filter operator {operator!r}; use one of {', '.join(_OPERATORS)}",
            code="invalid_operator",
        )
    sensitive = _flag(spec.get("case_sensitive", case_sensitive), "case_sensitive")
    test = _OPERATORS[operator](spec.get("value"), sensitive)
    return lambda doc: test(resolve(doc, field))


def _flag(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise validation_error(f"{name} must be a boolean", code="invalid_filters")
    return value


def _fold(value: Any, case_sensitive: bool) -> Any:
    return value if case_sensitive or not isinstance(value, str) else value.casefold()


def _same(left: Any, right: Any, case_sensitive: bool) -> bool:
    if isinstance(left, bool) or isinstance(right, bool):
        return type(left) is type(right) and left == right
    return _fold(left, case_sensitive) == _fold(right, case_sensitive)


def _candidates(actual: Any) -> list[Any]:
    if actual is MISSING:
        return []
    return actual if isinstance(actual, list) else [actual]


def _eq(value: Any, cs: bool) -> Callable[[Any], bool]:
    if isinstance(value, list):
        return lambda actual: actual is not MISSING and _same_list(actual, value, cs)
    return lambda actual: any(_same(item, value, cs) for item in _candidates(actual))


def _same_list(actual: Any, value: list[Any], cs: bool) -> bool:
    if not isinstance(actual, list) or len(actual) != len(value):
        return False
    return all(_same(a, b, cs) for a, b in zip(actual, value, strict=True))


def _ne(value: Any, cs: bool) -> Callable[[Any], bool]:
    equal = _eq(value, cs)
    return lambda actual: not equal(actual)


def _order_key(value: Any) -> Any:
    if isinstance(value, str) and ISO_PATTERN.match(value):
        try:
            return (1, parse_timestamp(value))
        except ValueError:
            return (2, value)
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return (0, value)
    return (2, value) if isinstance(value, str) else None


def _compare(symbol: str) -> Callable[[Any, bool], Callable[[Any], bool]]:
    checks: dict[str, Callable[[Any, Any], bool]] = {
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }

    def build(value: Any, _cs: bool) -> Callable[[Any], bool]:
        bound = _order_key(value)
        if bound is None:
            raise validation_error(f"operator '{symbol}' needs a number or string value", code="invalid_filters")
        check = checks[symbol]

        def test(actual: Any) -> bool:
            keys = [_order_key(item) for item in _candidates(actual)]
            return any(k is not None and k[0] == bound[0] and check(k[1], bound[1]) for k in keys)

        return test

    return build


def _in(value: Any, cs: bool) -> Callable[[Any], bool]:
    if not isinstance(value, list):
        raise validation_error("operator 'in' needs a list value", code="invalid_filters")
    return lambda actual: any(_same(item, v, cs) for item in _candidates(actual) for v in value)


def _nin(value: Any, cs: bool) -> Callable[[Any], bool]:
    if not isinstance(value, list):
        raise validation_error("operator 'nin' needs a list value", code="invalid_filters")
    inside = _in(value, cs)
    return lambda actual: not inside(actual)


def _contains(value: Any, cs: bool) -> Callable[[Any], bool]:
    def test(actual: Any) -> bool:
        if isinstance(actual, list):
            return any(_same(item, value, cs) for item in actual)
        if isinstance(actual, str) and isinstance(value, str):
            return _fold(value, cs) in _fold(actual, cs)
        return False

    return test


def _string_test(name: str, check: Callable[[str, str], bool]) -> Callable[[Any, bool], Callable[[Any], bool]]:
    def build(value: Any, cs: bool) -> Callable[[Any], bool]:
        if not isinstance(value, str):
            raise validation_error(f"operator '{name}' needs a string value", code="invalid_filters")
        wanted = _fold(value, cs)
        return lambda actual: any(
            isinstance(item, str) and check(_fold(item, cs), wanted) for item in _candidates(actual)
        )

    return build


def _regex(value: Any, cs: bool) -> Callable[[Any], bool]:
    try:
        pattern = re.compile(value, 0 if cs else re.IGNORECASE) if isinstance(value, str) else None
    except re.error as exc:
        raise validation_error(f"invalid regex: {exc}", code="invalid_filters") from exc
    if pattern is None:
        raise validation_error("operator 'regex' needs a string value", code="invalid_filters")
    return lambda actual: any(isinstance(i, str) and pattern.search(i) for i in _candidates(actual))


def _exists(value: Any, _cs: bool) -> Callable[[Any], bool]:
    wanted = True if value is None else _flag(value, "exists value")
    return lambda actual: (actual is not MISSING) == wanted


def _is_null(value: Any, _cs: bool) -> Callable[[Any], bool]:
    wanted = True if value is None else _flag(value, "is_null value")
    return lambda actual: (actual is MISSING or actual is None) == wanted


_OPERATORS: dict[str, Callable[[Any, bool], Callable[[Any], bool]]] = {
    "eq": _eq,
    "ne": _ne,
    "gt": _compare("gt"),
    "gte": _compare("gte"),
    "lt": _compare("lt"),
    "lte": _compare("lte"),
    "in": _in,
    "nin": _nin,
    "contains": _contains,
    "starts_with": _string_test("starts_with", str.startswith),
    "ends_with": _string_test("ends_with", str.endswith),
    "text": _string_test("text", lambda actual, wanted: wanted.casefold() in actual.casefold()),
    "regex": _regex,
    "exists": _exists,
    "is_null": _is_null,
}
