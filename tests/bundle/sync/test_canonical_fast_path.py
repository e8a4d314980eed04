"""The faster parse and canonical encoding give today's stdlib text, content hash, values and rejects, byte for byte."""

from __future__ import annotations

import hashlib
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from properties import FEW, PROPERTY

from mixpeek_snowflake.mixpeek import pages
from mixpeek_snowflake.mixpeek.pages import OversizedInteger, Unparsed, parse_body
from mixpeek_snowflake.sync.labels import document_labels
from mixpeek_snowflake.sync.records import (
    MAX_INTEGER_DIGITS,
    canonical_json,
    convert_page,
    typed_fields,
)

SURROGATES = st.sampled_from(["\ud800", "\udfff", "a\udc00b"])
EDGE_FLOATS = st.sampled_from(
    [1e16, 1e-7, -0.0, 0.0, 1e15, 9999999999999998.0, 1.5e-5, 1e-4, 5e-324, 1.7976931348623157e308, 0.1, 2.5e100]
)
BIG_INTEGERS = st.integers(-(10**400), 10**400) | st.sampled_from(
    [10**MAX_INTEGER_DIGITS - 1, 10**MAX_INTEGER_DIGITS, -(10**MAX_INTEGER_DIGITS), 2**64, -(2**63) - 1]
)
texts = st.text(max_size=8) | st.text(st.characters(codec="utf-8"), max_size=6) | SURROGATES
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | BIG_INTEGERS | st.floats() | EDGE_FLOATS | texts
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(texts, inner, max_size=4),
    max_leaves=24,
)


def todays_canonical(value: object) -> str:
    """The canonical text as every stored row's CONTENT_HASH was computed before this change."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False)


def outcome(function: Any, value: object) -> tuple[str, object]:
    try:
        return "ok", function(value)
    except (ValueError, TypeError, RecursionError) as error:
        return "raised", type(error)


def nested(depth: int, leaf: object) -> object:
    value = leaf
    for level in range(depth):
        value = [value] if level % 2 else {"k": value}
    return value


@PROPERTY
@given(json_values)
def test_the_canonical_text_is_todays_stdlib_text(value: object) -> None:
    assert outcome(canonical_json, value) == outcome(todays_canonical, value)


@pytest.mark.parametrize("depth", [10, 500, 3000, 100_000])
def test_deep_nesting_succeeds_or_fails_as_today(depth: int) -> None:
    value = nested(depth, 1.5)
    assert outcome(canonical_json, value) == outcome(todays_canonical, value)


def test_a_cycle_fails_as_today_with_valueerror() -> None:
    cycle: dict[str, Any] = {"document_id": "d"}
    cycle["self"] = [cycle]
    assert outcome(canonical_json, cycle) == outcome(todays_canonical, cycle) == ("raised", ValueError)
    page = convert_page([cycle])
    assert page.rows_json == [] and "NaN or Infinity" in page.rejects[0].reason


def todays_row(doc: dict[str, Any], collection_id: str | None) -> str:
    """The stage row as records.stage_row wrote it before this change."""
    text = todays_canonical(doc)
    fields = typed_fields(doc)
    if collection_id:
        fields["collection_id"] = collection_id
    fields["labels"] = document_labels(doc)
    fields["content_hash"] = hashlib.sha256(text.encode("utf-8")).hexdigest()
    return json.dumps(fields, ensure_ascii=False)[:-1] + ',"document":' + text + "}"


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc: dict[str, Any] = draw(st.dictionaries(texts, json_values, max_size=5))
    doc["document_id"] = draw(st.text(min_size=1, max_size=10).filter(str.strip))
    if draw(st.booleans()):
        doc["_internal"] = {
            "updated_at": draw(st.sampled_from(["2026-01-02T03:04:05.123456Z", "bad", None])),
            "_taxonomy_tax1_id": draw(st.none() | texts),
            "_taxonomy_tax1_label": draw(st.none() | texts),
            "_taxonomy_tax1_score": draw(st.none() | st.floats() | EDGE_FLOATS),
            "size_bytes": draw(BIG_INTEGERS),
        }
    return doc


@PROPERTY
@given(st.lists(documents(), min_size=1, max_size=4), st.none() | st.just("col_listed"))
def test_rows_and_content_hashes_are_todays_and_rejects_too(docs: list[dict[str, Any]], listed: str | None) -> None:
    page = convert_page(docs, collection_id=listed)
    rows = iter(page.rows_json)
    rejects = iter(page.rejects)
    for doc in docs:
        kind, _ = outcome(todays_canonical, doc)
        try:
            usable = kind == "ok" and bool(todays_canonical(doc).encode("utf-8"))
        except UnicodeEncodeError:
            usable = False
        if usable:
            assert next(rows) == todays_row(doc, listed)
        else:
            assert next(rejects).document_id == doc["document_id"]
    assert next(rows, None) is None and next(rejects, None) is None


def comparable(value: object) -> object:
    """A parsed value with its types spelled out, OversizedInteger by its digit count, so equality is exact."""
    if isinstance(value, OversizedInteger):
        return ("oversized", value.digits)
    if isinstance(value, Unparsed):
        return ("unparsed", value.document_id, value.reason, value.excerpt)
    if isinstance(value, dict):
        return (type(value).__name__, [(k, comparable(v)) for k, v in value.items()])
    if isinstance(value, list):
        return ("list", [comparable(v) for v in value])
    if isinstance(value, float):
        return ("float", repr(value))
    return (type(value).__name__, value)


def todays_parse(text: str) -> object:
    """parse_body as it was: the integer hook on every body."""
    original = pages._may_hold_long_integer
    pages._may_hold_long_integer = lambda _text: True  # type: ignore[assignment]
    try:
        return outcome(parse_body, text)
    finally:
        pages._may_hold_long_integer = original  # type: ignore[assignment]


def comparable_outcome(result: tuple[str, object]) -> object:
    kind, value = result
    return (kind, value) if kind == "raised" else (kind, comparable(value))


@st.composite
def bodies(draw: st.DrawFn) -> str:
    """List pages and other JSON texts, with long integers, escapes, NaN literals and broken or deep documents."""
    results = draw(st.lists(documents() | json_values, max_size=3))
    body = json.dumps({"results": results, "pagination": {"next_cursor": None}}, ensure_ascii=draw(st.booleans()))
    kind = draw(st.sampled_from(["page", "page", "deep", "broken", "bare"]))
    if kind == "deep":
        body = body.replace('"results": [', '"results": [' + "[" * 5000 + "]" * 5000 + ", ", 1)
    elif kind == "broken":
        body = body.replace('"results": [', '"results": [{"document_id": "d1", "x": tru}, ', 1)
    elif kind == "bare":
        body = json.dumps(draw(json_values), ensure_ascii=draw(st.booleans()))
    return body


@PROPERTY
@given(bodies())
def test_parsing_gives_todays_values_and_errors(text: str) -> None:
    assert comparable_outcome(outcome(parse_body, text)) == comparable_outcome(todays_parse(text))


@FEW
@given(st.integers(MAX_INTEGER_DIGITS - 2, MAX_INTEGER_DIGITS + 2), st.sampled_from(["", "-"]), st.booleans())
def test_an_integer_at_the_digit_limit_is_kept_or_set_apart_as_today(digits: int, sign: str, in_string: bool) -> None:
    literal = sign + "9" * digits
    text = '{"results": [{"document_id": "d", "n": ' + (f'"{literal}"' if in_string else literal) + "}]}"
    parsed = parse_body(text)["results"][0]["n"]
    assert comparable(parsed) == comparable(todays_parse(text)[1]["results"][0]["n"])  # type: ignore[index]
    if not in_string and digits > MAX_INTEGER_DIGITS:
        assert isinstance(parsed, OversizedInteger) and parsed.digits == digits
