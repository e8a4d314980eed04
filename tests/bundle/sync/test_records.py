"""Mixpeek documents to stage rows: typed fields, timestamps, hashing, rejects, newest tracking and chunking."""

from __future__ import annotations

import copy
import hashlib
import json
import sys
from datetime import datetime
from typing import Any

import pytest

from mixpeek_local.emulator import Store, seed_collection
from mixpeek_snowflake.snowflake.binds import RowBatches, chunk_rows
from mixpeek_snowflake.snowflake.tables import TYPED_COLUMNS
from mixpeek_snowflake.snowflake.timestamps import format_timestamp, format_watermark, parse_timestamp
from mixpeek_snowflake.sync import records
from mixpeek_snowflake.sync.records import MAX_EXCERPT_CHARS, canonical_json, convert_page, typed_fields

COLLECTION = "col_xyz7890ab"
FIELD_KEYS = {c.name.lower() for c in TYPED_COLUMNS} - {"metadata", "document", "content_hash"}


def reference_document() -> dict[str, Any]:
    """The DocumentResponse example of the API reference (§4.3), source_url null as documented."""
    return {
        "document_id": "doc_abc123",
        "collection_id": "col_xyz789",
        "metadata": {"sku": "A-1", "status": "active"},
        "title": "Red shoe",
        "document_blobs": [
            {"field": "thumbnail", "url": "s3://media/thumb.jpg", "role": "thumbnail", "type": "image"},
        ],
        "searchable_at": "2026-01-02T00:00:05Z",
        "vector_hydration_incomplete": False,
        "_internal": {
            "internal_id": "int_1",
            "namespace_id": "ns_shop",
            "document_id": "doc_abc123",
            "collection_id": "col_xyz789",
            "created_at": "2026-01-01T00:00:00Z",
            "updated_at": "2026-01-02T00:00:00Z",
            "lineage": {
                "root_object_id": "obj_1",
                "root_bucket_id": "bkt_1",
                "source_type": "bucket",
                "source_object_id": "obj_1",
                "source_document_id": None,
                "source_collection_id": None,
                "path": "bkt_1/col_xyz789",
                "chain": [],
            },
            "processing": {"source_url": None, "history": [], "taxonomy_lineage": []},
            "source_blobs": [{"property": "source_image", "url": "s3://media/red-shoe.jpg", "type": "image"}],
            "document_blobs": [],
            "modality": "image",
            "metadata": {"ingestion_status": "COMPLETED"},
            "mime_type": "image/jpeg",
            "size_bytes": 123,
            "content_hash": "sha256-of-source",
            "_acl": {"owner": None, "read": [], "write": [], "public": False},
            "_taxonomy_tax_1_id": "node_1",
            "_taxonomy_tax_1_label": "shoes",
            "_taxonomy_tax_1_score": 0.91,
        },
    }


@pytest.fixture(scope="module")
def seeded() -> list[dict[str, Any]]:
    """Forty documents from the emulator's generator (images, videos, audio, PDFs)."""
    store = Store()
    collection = seed_collection(store, documents=40, seed=11, collection_id=COLLECTION)
    return store.documents(collection)


def with_internal(**internal: Any) -> dict[str, Any]:
    return {"document_id": "doc_t1", "collection_id": COLLECTION, "_internal": internal}


# typed fields


def test_typed_fields_of_the_reference_document() -> None:
    assert typed_fields(reference_document()) == {
        "document_id": "doc_abc123",
        "collection_id": "col_xyz789",
        "namespace_id": "ns_shop",
        "created_at": "2026-01-01 00:00:00.000000",
        "updated_at": "2026-01-02 00:00:00.000000",
        "modality": "image",
        "mime_type": "image/jpeg",
        "source_url": "s3://media/red-shoe.jpg",
        "source_object_id": "obj_1",
        "root_object_id": "obj_1",
        "root_bucket_id": "bkt_1",
        "size_bytes": 123,
    }


def test_typed_fields_cover_every_typed_column(seeded: list[dict[str, Any]]) -> None:
    assert set(typed_fields(seeded[0])) == FIELD_KEYS


def test_typed_fields_of_generated_documents_follow_internal(seeded: list[dict[str, Any]]) -> None:
    modalities = set()
    for doc in seeded:
        internal = doc["_internal"]
        fields = typed_fields(doc)
        assert fields["document_id"] == doc["document_id"]
        assert fields["collection_id"] == COLLECTION
        assert fields["namespace_id"] == "ns_demo"
        assert fields["mime_type"] == internal["mime_type"]
        assert fields["source_url"] == internal["processing"]["source_url"]
        assert fields["size_bytes"] == internal["size_bytes"] > 0
        assert fields["root_object_id"] == internal["lineage"]["root_object_id"]
        assert datetime.fromisoformat(fields["updated_at"]) >= datetime.fromisoformat(fields["created_at"])
        modalities.add(fields["modality"])
    assert len(modalities) >= 3


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-01-02T00:00:00Z", "2026-01-02 00:00:00.000000"),
        ("2026-01-02T09:49:09.926564Z", "2026-01-02 09:49:09.926564"),
        ("2026-01-02T02:30:00+02:00", "2026-01-02 00:30:00.000000"),
        ("2026-01-01T23:30:00-05:00", "2026-01-02 04:30:00.000000"),
        ("2026-01-02T00:00:00.5Z", "2026-01-02 00:00:00.500000"),
        ("2026-01-02T07:15:00", "2026-01-02 07:15:00.000000"),
        ("2025-12-31T23:59:59.999999+00:00", "2025-12-31 23:59:59.999999"),
        ("0999-01-02T03:04:05Z", "0999-01-02 03:04:05.000000"),
        ("0005-01-02T03:04:05Z", "0005-01-02 03:04:05.000000"),
    ],
)
def test_timestamps_become_naive_utc(value: str, expected: str) -> None:
    parsed = parse_timestamp(value)
    assert parsed is not None and parsed.tzinfo is None
    assert format_timestamp(parsed) == expected
    assert typed_fields(with_internal(updated_at=value))["updated_at"] == expected


@pytest.mark.parametrize(
    "value",
    ["", "yesterday", "2026-13-01T00:00:00Z", "2026-02-30T00:00:00Z", "2026-01-02T25:00:00Z", None, 1767312000, 1.7e9,
     True, ["2026-01-02T00:00:00Z"], {"$date": "2026-01-02T00:00:00Z"}],
)  # fmt: skip
def test_malformed_or_non_string_timestamps_become_none(value: object) -> None:
    assert parse_timestamp(value) is None
    fields = typed_fields(with_internal(created_at=value, updated_at=value))
    assert fields["created_at"] is None and fields["updated_at"] is None


def test_missing_timestamps_become_none() -> None:
    fields = typed_fields({"document_id": "doc_t1"})
    assert fields["created_at"] is None and fields["updated_at"] is None


@pytest.mark.parametrize("value", ["0001-01-01T00:30:00+01:00", "9999-12-31T23:30:00-01:00"])
def test_out_of_range_offset_timestamp_becomes_none(value: str) -> None:
    assert parse_timestamp(value) is None


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 3, 4, 5, 6, 7, 890123), "2026-03-04T05:06:07.890123Z"),
        (datetime(999, 3, 4, 5, 6, 7), "0999-03-04T05:06:07.000000Z"),
    ],
)
def test_watermark_round_trips_through_parse(moment: datetime, text: str) -> None:
    assert format_watermark(moment) == text
    assert parse_timestamp(format_watermark(moment)) == moment
    assert format_timestamp(None) is None


def test_source_url_prefers_processing_source_url() -> None:
    doc = reference_document()
    doc["_internal"]["processing"]["source_url"] = "https://cdn.example.com/red-shoe.jpg"
    assert typed_fields(doc)["source_url"] == "https://cdn.example.com/red-shoe.jpg"


def test_source_url_skips_non_source_and_empty_blobs_then_uses_root_blobs() -> None:
    doc = reference_document()
    doc["_internal"]["source_blobs"] = [
        "not a blob",
        {"url": "s3://media/thumb.jpg", "role": "thumbnail"},
        {"url": "", "role": "source"},
    ]
    doc["document_blobs"] = [
        {"field": "thumbnail", "url": "s3://media/t.jpg", "role": "thumbnail"},
        {"field": "source_video", "url": "s3://media/clip.mp4", "role": "source", "type": "video"},
    ]
    assert typed_fields(doc)["source_url"] == "s3://media/clip.mp4"


@pytest.mark.parametrize("blobs", [None, {}, "s3://media/x.jpg", [], [{"role": "thumbnail", "url": "s3://t.jpg"}]])
def test_source_url_none_when_nothing_names_a_source(blobs: object) -> None:
    doc = reference_document()
    doc["_internal"]["source_blobs"] = blobs
    doc["document_blobs"] = blobs
    assert typed_fields(doc)["source_url"] is None


def test_fallbacks_for_collection_id_and_mime_type() -> None:
    doc = reference_document()
    del doc["collection_id"]
    del doc["_internal"]["mime_type"]
    doc["_internal"]["processing"]["detected_mime_type"] = "image/webp"
    fields = typed_fields(doc)
    assert fields["collection_id"] == "col_xyz789"
    assert fields["mime_type"] == "image/webp"


@pytest.mark.parametrize("internal", [None, "text", ["a"], 42])
def test_non_object_internal_yields_only_the_id(internal: object) -> None:
    fields = typed_fields({"document_id": "doc_t1", "_internal": internal})
    assert fields["document_id"] == "doc_t1"
    assert all(value is None for key, value in fields.items() if key != "document_id")


def test_non_object_lineage_and_empty_strings_are_none() -> None:
    fields = typed_fields(with_internal(lineage=["obj_1"], modality="", namespace_id=7, mime_type=None))
    assert (fields["source_object_id"], fields["modality"], fields["namespace_id"], fields["mime_type"]) == (None,) * 4


@pytest.mark.parametrize(
    ("value", "expected"),
    [(0, 0), (123, 123), (2**62, 2**62), (True, None), (False, None), (-1, None), (12.0, None), ("123", None),
     (None, None)],
)  # fmt: skip
def test_size_bytes_only_non_negative_integers(value: object, expected: int | None) -> None:
    assert typed_fields(with_internal(size_bytes=value))["size_bytes"] == expected


# canonical JSON and the content hash


def test_canonical_json_ignores_key_order_and_keeps_unicode() -> None:
    doc = reference_document()
    doc["title"] = "Chaussure rouge — café ☕"
    reordered = json.loads(json.dumps(doc), object_pairs_hook=lambda pairs: dict(reversed(pairs)))
    assert list(reordered) != list(doc)
    assert canonical_json(reordered) == canonical_json(doc)
    assert "café ☕" in canonical_json(doc)
    assert ", " not in canonical_json(doc) and ": " not in canonical_json(doc)
    assert json.loads(canonical_json(doc)) == doc


def staged(doc: dict[str, Any]) -> dict[str, Any]:
    [row] = convert_page([doc]).rows_json
    return json.loads(row)


def row_hash(doc: dict[str, Any]) -> str:
    return staged(doc)["content_hash"]


def test_content_hash_is_sha256_of_canonical_json() -> None:
    doc = reference_document()
    assert row_hash(doc) == hashlib.sha256(canonical_json(doc).encode("utf-8")).hexdigest()


def test_content_hash_same_for_same_content_in_another_key_order() -> None:
    doc = reference_document()
    shuffled = {key: doc[key] for key in reversed(list(doc))}
    shuffled["_internal"] = {key: doc["_internal"][key] for key in sorted(doc["_internal"], reverse=True)}
    assert row_hash(shuffled) == row_hash(doc)


@pytest.mark.parametrize(
    "change",
    [
        lambda d: d["metadata"].update(status="archived"),
        lambda d: d["_internal"].update(updated_at="2026-01-03T00:00:00Z"),
        lambda d: d["_internal"].update(_taxonomy_tax_1_score=0.92),
        lambda d: d["document_blobs"].append({"field": "clip", "url": "s3://m/c.mp4"}),
        lambda d: d.update(title="Red shoe "),
        lambda d: d["metadata"].update(sku=None),
        lambda d: d["_internal"]["lineage"]["chain"].append({"collection_id": "col_a"}),
    ],
)
def test_content_hash_changes_when_content_changes(change: Any) -> None:
    changed = copy.deepcopy(reference_document())
    change(changed)
    assert row_hash(changed) != row_hash(reference_document())


def test_generated_documents_have_distinct_hashes(seeded: list[dict[str, Any]]) -> None:
    assert len({row_hash(doc) for doc in seeded}) == len(seeded)


def test_stage_row_carries_typed_fields_hash_and_the_document(seeded: list[dict[str, Any]]) -> None:
    for doc in seeded[:10]:
        row = staged(doc)
        assert row["document"] == doc
        assert row["content_hash"] == hashlib.sha256(canonical_json(doc).encode()).hexdigest()
        assert {key: row[key] for key in FIELD_KEYS} == typed_fields(doc)


def test_stage_row_keeps_the_document_text_verbatim() -> None:
    doc = reference_document()
    [row] = convert_page([doc]).rows_json
    assert row.endswith(',"document":' + canonical_json(doc) + "}")


# convert_page: accepted rows, rejects, newest


def test_convert_page_accepts_generated_documents(seeded: list[dict[str, Any]]) -> None:
    page = convert_page(seeded)
    assert page.rejects == []
    assert [json.loads(row)["document_id"] for row in page.rows_json] == [d["document_id"] for d in seeded]
    assert page.newest == max(parse_timestamp(d["_internal"]["updated_at"]) for d in seeded)


def lone_surrogate() -> str:
    return json.loads('"\\ud800"')


UNICODE = "invalid Unicode"
REJECTS = [
    ("a string", None, "not an object"),
    (["doc_1", "doc_2"], None, "JSON list, not an object"),
    (None, None, "not an object"),
    (17, None, "not an object"),
    ({"collection_id": COLLECTION, "title": "no id"}, None, "document_id is missing"),
    ({"document_id": ""}, None, "document_id is missing"),
    ({"document_id": "   "}, None, "document_id is missing"),
    ({"document_id": 42}, None, "document_id is missing"),
    ({"document_id": None, "metadata": {}}, None, "document_id is missing"),
    ({"document_id": "doc_nan", "metadata": {"price": float("nan")}}, "doc_nan", "NaN or Infinity"),
    ({"document_id": "doc_inf", "_internal": {"_taxonomy_t_score": float("inf")}}, "doc_inf", "NaN or Infinity"),
    ({"document_id": "doc_ninf", "scores": [1.0, float("-inf")]}, "doc_ninf", "NaN or Infinity"),
    pytest.param({"document_id": "doc_sur", "title": lone_surrogate()}, "doc_sur", UNICODE),
    pytest.param({"document_id": "doc_key", "tags": {lone_surrogate(): 1}}, "doc_key", UNICODE),
]


@pytest.mark.parametrize(("doc", "document_id", "reason"), REJECTS)
def test_convert_page_rejects_with_id_reason_and_excerpt(doc: object, document_id: str | None, reason: str) -> None:
    good = reference_document()
    page = convert_page([good, doc, good])
    assert len(page.rows_json) == 2
    [reject] = page.rejects
    assert reject.document_id == document_id
    assert reason in reject.reason
    assert 0 < len(reject.excerpt) <= MAX_EXCERPT_CHARS
    assert reject.excerpt.isascii()


def test_nan_reject_excerpt_shows_the_document() -> None:
    [reject] = convert_page([{"document_id": "doc_nan", "metadata": {"price": float("nan")}}]).rejects
    assert '"doc_nan"' in reject.excerpt and "NaN" in reject.excerpt


def deeply_nested(depth: int) -> dict[str, Any]:
    inner: list[Any] = []
    root = inner
    for _ in range(depth):
        deeper: list[Any] = []
        inner.append(deeper)
        inner = deeper
    return {"document_id": "doc_deep", "collection_id": COLLECTION, "detected_objects": root}


def test_too_deep_document_is_rejected_not_raised() -> None:
    page = convert_page([reference_document(), deeply_nested(sys.getrecursionlimit() + 50)])
    assert len(page.rows_json) == 1
    [reject] = page.rejects
    assert reject.document_id == "doc_deep"
    assert "nested too deeply" in reject.reason
    assert len(reject.excerpt) <= MAX_EXCERPT_CHARS


def test_oversize_document_rejected_with_its_size(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(records, "MAX_DOCUMENT_BYTES", 5000)
    big = reference_document()
    big["transcript"] = "word " * 3000
    page = convert_page([reference_document(), big])
    assert len(page.rows_json) == 1
    [reject] = page.rejects
    assert reject.document_id == "doc_abc123"
    assert f"{len(canonical_json(big).encode())} bytes" in reject.reason and "5000" in reject.reason
    assert len(reject.excerpt) == MAX_EXCERPT_CHARS
    assert reject.excerpt.startswith('{"document_id": "doc_abc123"')


def test_document_size_counts_utf8_bytes_not_characters(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = {"document_id": "doc_jp", "title": "靴" * 1000}
    chars = len(canonical_json(doc))
    monkeypatch.setattr(records, "MAX_DOCUMENT_BYTES", chars + 100)
    [reject] = convert_page([doc]).rejects
    assert "bytes" in reject.reason


def test_document_exactly_at_the_limit_is_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = reference_document()
    monkeypatch.setattr(records, "MAX_DOCUMENT_BYTES", len(canonical_json(doc).encode()))
    assert len(convert_page([doc]).rows_json) == 1


def test_newest_is_the_latest_accepted_update_in_utc() -> None:
    early = with_internal(updated_at="2026-01-02T10:00:00+02:00")
    late = {**with_internal(updated_at="2026-01-02T09:00:00Z"), "document_id": "doc_t2"}
    undated = {"document_id": "doc_t3"}
    rejected = {"document_id": "doc_t4", "x": float("nan"), "_internal": {"updated_at": "2030-01-01T00:00:00Z"}}
    page = convert_page([early, undated, rejected, late])
    assert page.newest == datetime(2026, 1, 2, 9, 0)
    assert convert_page([undated]).newest is None
    assert convert_page([]).newest is None


# chunk_rows


def test_chunks_hold_whole_rows_in_order_within_the_limit(seeded: list[dict[str, Any]]) -> None:
    rows = convert_page(seeded).rows_json
    limit = 3 * max(len(row) for row in rows)
    chunks = chunk_rows(rows, limit)
    assert len(chunks) > 3
    parsed: list[Any] = []
    for text, count in chunks:
        assert len(text) <= limit
        items = json.loads(text)
        assert len(items) == count
        parsed += items
    assert sum(count for _, count in chunks) == len(rows)
    assert parsed == [json.loads(row) for row in rows]


def test_rows_pack_greedily() -> None:
    rows = [json.dumps({"id": f"d{i:02d}"}) for i in range(10)]
    assert {len(r) for r in rows} == {13}
    assert [count for _, count in chunk_rows(rows, 60)] == [4, 4, 2]


def test_a_row_larger_than_the_limit_goes_alone() -> None:
    small = json.dumps({"document_id": "doc_s"})
    big = json.dumps({"document_id": "doc_b", "transcript": "x" * 500})
    chunks = chunk_rows([small, small, big, small], 100)
    assert [count for _, count in chunks] == [2, 1, 1]
    assert json.loads(chunks[1][0]) == [json.loads(big)]


def test_no_rows_no_chunks_and_a_large_limit_one_chunk() -> None:
    assert chunk_rows([], 100) == []
    rows = [json.dumps({"n": n}) for n in range(50)]
    [(text, count)] = chunk_rows(rows, 10_000)
    assert count == 50 and json.loads(text) == [{"n": n} for n in range(50)]


def test_lone_surrogates_are_rejected_whatever_the_reason_says() -> None:
    bad = lone_surrogate()
    docs = [{"document_id": "doc_sur", "title": bad}, {"document_id": "doc_key", "tags": {bad: 1}}]
    page = convert_page(docs)
    assert page.rows_json == []
    assert [r.document_id for r in page.rejects] == ["doc_sur", "doc_key"]
    assert all(r.excerpt.isascii() and "\\ud800" in r.excerpt for r in page.rejects)


def test_batches_span_pages_and_keep_order() -> None:
    pages = [[json.dumps({"n": f"{p}-{i}"}) for i in range(size)] for p, size in enumerate((3, 1, 4, 2))]
    batches = RowBatches(60)
    filled = [batches.add(rows) for rows in pages]
    assert [[count for _, count in got] for got in filled] == [[], [], [4], [4]]
    [(text, count)] = batches.flush()
    assert count == 2 and batches.flush() == []
    staged = [item for got in filled for text_, _ in got for item in json.loads(text_)] + json.loads(text)
    assert staged == [json.loads(row) for rows in pages for row in rows]
