"""Properties of records.convert_page: any JSON document is staged exactly as sent, or rejected with a reason."""

from __future__ import annotations

import hashlib
import json
import math
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from properties import FEW, PROPERTY

from mixpeek_snowflake.sync.records import MAX_EXCERPT_CHARS, convert_page

SURROGATE = "\ud800"
scalars = st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.floats(allow_nan=False) | st.text(max_size=8)
json_values = st.recursive(
    scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4),
    max_leaves=20,
)
document_ids = st.text(min_size=1, max_size=12).filter(str.strip)


def same(a: object, b: object) -> bool:
    """Equal with the same JSON types all the way down (True is not 1, 1 is not 1.0)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float):
        return a == b and math.copysign(1, a) == math.copysign(1, b)
    return a == b


def walk(value: object) -> list[object]:
    """Every key and value inside a JSON value."""
    found = [value]
    if isinstance(value, dict):
        for k, v in value.items():
            found += [k, *walk(v)]
    elif isinstance(value, list):
        for v in value:
            found += walk(v)
    return found


def has_non_finite(value: object) -> bool:
    return any(isinstance(v, float) and not math.isfinite(v) for v in walk(value))


def has_surrogate(value: object) -> bool:
    return any(isinstance(v, str) and any(0xD800 <= ord(c) <= 0xDFFF for c in v) for v in walk(value))


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    doc = draw(st.dictionaries(st.text(max_size=6), json_values, max_size=5))
    doc["document_id"] = draw(document_ids)
    return doc


@st.composite
def maybe_bad_documents(draw: st.DrawFn) -> object:
    """Documents, sometimes broken: not an object, no usable id, NaN or infinity, an unpaired surrogate."""
    doc: Any = draw(documents())
    kind = draw(st.sampled_from(["good", "good", "not_object", "bad_id", "non_finite", "surrogate"]))
    if kind == "not_object":
        return draw(st.lists(json_values, max_size=3) | scalars)
    if kind == "bad_id":
        doc["document_id"] = draw(st.none() | st.integers() | st.sampled_from(["", "   ", "\t"]))
        if draw(st.booleans()):
            del doc["document_id"]
    elif kind == "non_finite":
        doc[draw(st.text(max_size=3))] = [draw(st.sampled_from([math.nan, math.inf, -math.inf]))]
    elif kind == "surrogate":
        where = draw(st.sampled_from(["key", "value"]))
        if where == "key":
            doc["k" + SURROGATE] = 1
        else:
            doc["v"] = {"deep": "x" + SURROGATE}
    return doc


def expected_reason(doc: object) -> str | None:
    """The words the reject reason must hold for a broken document; None for a good one."""
    if not isinstance(doc, dict):
        return "not an object"
    document_id = doc.get("document_id")
    if not isinstance(document_id, str) or not document_id.strip():
        return "document_id"
    if has_non_finite(doc):
        return "NaN or Infinity"
    if has_surrogate(doc):
        return "invalid Unicode"
    return None


@PROPERTY
@given(maybe_bad_documents())
def test_a_document_is_staged_exactly_or_rejected_with_a_reason(doc: object) -> None:
    page = convert_page([doc])
    reason = expected_reason(doc)
    if reason is None:
        assert page.rejects == [] and len(page.rows_json) == 1
        row = json.loads(page.rows_json[0])
        assert same(row["document"], doc)
        assert row["document_id"] == doc["document_id"]
        canonical = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
        assert row["content_hash"] == hashlib.sha256(canonical.encode("utf-8")).hexdigest()
    else:
        assert page.rows_json == [] and len(page.rejects) == 1
        reject = page.rejects[0]
        assert reason in reject.reason
        assert 0 < len(reject.excerpt) <= MAX_EXCERPT_CHARS
        good_id = isinstance(doc, dict) and isinstance(doc.get("document_id"), str) and doc["document_id"].strip()
        assert reject.document_id == (doc["document_id"] if good_id else None)


@FEW
@given(st.lists(maybe_bad_documents(), max_size=6))
def test_a_page_keeps_every_document_once_in_order(docs: list[object]) -> None:
    page = convert_page(docs)
    good = [d for d in docs if expected_reason(d) is None]
    assert [json.loads(r)["document_id"] for r in page.rows_json] == [d["document_id"] for d in good]
    assert len(page.rejects) == len(docs) - len(good)


def text_or_junk(text: st.SearchStrategy[str]) -> st.SearchStrategy[object]:
    return text | st.just("") | st.none() | st.integers() | st.lists(st.text(max_size=2), max_size=2)


moments = st.datetimes(min_value=datetime(1971, 1, 2), max_value=datetime(9998, 12, 30))
offsets = st.sampled_from([None, 0, 60, -300, 330, 840])


def iso(moment: datetime, offset: int | None) -> str:
    """moment (naive UTC) written in ISO form at the given offset in minutes; None writes a trailing Z."""
    if offset is None:
        return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    local = moment.replace(tzinfo=UTC).astimezone(timezone(timedelta(minutes=offset)))
    return local.isoformat()


@st.composite
def typed_documents(draw: st.DrawFn) -> tuple[dict[str, Any], dict[str, Any]]:
    """A document with a generated _internal, and the typed fields written out by hand from the same draws."""
    word = st.text(min_size=1, max_size=8)
    internal: dict[str, Any] = {}
    expected: dict[str, Any] = {}
    for key in ("namespace_id", "modality", "mime_type"):
        value = draw(text_or_junk(word))
        internal[key] = value
        expected[key] = value if isinstance(value, str) and value else None
    for key in ("created_at", "updated_at"):
        moment = draw(st.none() | moments)
        if moment is None:
            internal[key] = draw(st.sampled_from([None, "", "yesterday", "2026-13-01T00:00:00Z", 17]))
            expected[key] = None
        else:
            internal[key] = iso(moment, draw(offsets))
            expected[key] = moment.strftime("%Y-%m-%d %H:%M:%S.%f")
    size = draw(st.none() | st.booleans() | st.integers(-5, 2**40) | st.floats(0, 10))
    internal["size_bytes"] = size
    expected["size_bytes"] = size if type(size) is int and size >= 0 else None
    lineage = {}
    for key in ("source_object_id", "root_object_id", "root_bucket_id"):
        lineage[key] = draw(text_or_junk(word))
        expected[key] = lineage[key] if isinstance(lineage[key], str) and lineage[key] else None
    internal["lineage"] = lineage
    url = draw(text_or_junk(word))
    internal["processing"] = {"source_url": url}
    expected["source_url"] = url if isinstance(url, str) and url else None
    own = draw(text_or_junk(word))
    internal["collection_id"] = draw(text_or_junk(word))
    doc = {"document_id": draw(document_ids), "collection_id": own, "_internal": internal}
    if isinstance(own, str) and own:
        expected["collection_id"] = own
    else:
        fallback = internal["collection_id"]
        expected["collection_id"] = fallback if isinstance(fallback, str) and fallback else None
    expected["document_id"] = doc["document_id"]
    return doc, expected


@PROPERTY
@given(typed_documents(), st.none() | st.just("col_listed"))
def test_typed_fields_match_the_document(case: tuple[dict[str, Any], dict[str, Any]], listed: str | None) -> None:
    doc, expected = case
    row = json.loads(convert_page([doc], collection_id=listed).rows_json[0])
    if listed:
        expected = {**expected, "collection_id": listed}
    assert {key: row[key] for key in expected} == expected
    assert row["labels"] == []


@FEW
@given(st.lists(typed_documents(), max_size=5))
def test_newest_is_the_latest_updated_at_of_the_page(cases: list[tuple[dict[str, Any], dict[str, Any]]]) -> None:
    page = convert_page([doc for doc, _ in cases])
    stamps = [e["updated_at"] for _, e in cases if e["updated_at"]]
    newest = max((datetime.strptime(s, "%Y-%m-%d %H:%M:%S.%f") for s in stamps), default=None)
    assert page.newest == newest
