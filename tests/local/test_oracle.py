"""The referee's expected values (mixpeek_local/oracle.py) on documents whose rows are written out by hand."""

from __future__ import annotations

import hashlib
from datetime import datetime

from mixpeek_local import oracle

DOC = {
    "document_id": "doc_1",
    "collection_id": "col_1",
    "metadata": {"b": 1, "a": "é"},
    "document_blobs": [{"role": "thumbnail", "url": "s3://t.jpg"}, {"url": "s3://src.mp4"}],
    "_internal": {
        "namespace_id": "ns_1",
        "created_at": "2026-03-01T12:00:00+02:00",
        "updated_at": "2026-03-01T10:30:00.5Z",
        "modality": "video",
        "mime_type": "",
        "lineage": {"source_object_id": "obj_1", "root_object_id": 7, "root_bucket_id": "bkt_1"},
        "size_bytes": 10**38,
        "_taxonomy_tax_a_b_id": "node_x",
        "_taxonomy_tax_a_b_label": "X",
        "_taxonomy_tax_a_b_score": True,
        "_taxonomy_t2_assignments": [{"label": "late", "rank": "1"}, {"node_id": "n1", "rank": 2.5, "score": 1}],
        "_taxonomy_t2_path": ["Top"],
    },
}


def test_typed_columns_follow_the_column_definitions():
    assert oracle.typed_columns(DOC) == {
        "DOCUMENT_ID": "doc_1",
        "COLLECTION_ID": "col_1",
        "NAMESPACE_ID": "ns_1",
        "CREATED_AT": datetime(2026, 3, 1, 10, 0),
        "UPDATED_AT": datetime(2026, 3, 1, 10, 30, 0, 500000),
        "MODALITY": "video",
        "MIME_TYPE": None,
        "SOURCE_URL": "s3://src.mp4",
        "SOURCE_OBJECT_ID": "obj_1",
        "ROOT_OBJECT_ID": None,
        "ROOT_BUCKET_ID": "bkt_1",
        "SIZE_BYTES": None,
        "METADATA": {"b": 1, "a": "é"},
        "DOCUMENT": DOC,
        "CONTENT_HASH": oracle.content_hash(DOC),
    }
    assert oracle.typed_columns(DOC, "col_listed")["COLLECTION_ID"] == "col_listed"
    assert oracle.size_note_expected(DOC) and not oracle.size_note_expected({"_internal": {"size_bytes": 10**38 - 1}})


def test_the_content_hash_is_sha256_of_sorted_compact_utf8_json():
    expected = hashlib.sha256('{"a":"é","b":[1,null]}'.encode()).hexdigest()
    assert oracle.content_hash({"b": [1, None], "a": "é"}) == expected


def test_labels_rank_from_one_in_stored_order_with_the_taxonomy_path_on_the_best_only():
    assert sorted(oracle.labels(DOC, {"t2": "Second"}), key=repr) == [
        ("doc_1", "col_1", "t2", "Second", "n1", None, 1.0, 1, ("Top",), datetime(2026, 3, 1, 10, 30, 0, 500000)),
        ("doc_1", "col_1", "t2", "Second", None, "late", None, 2, None, datetime(2026, 3, 1, 10, 30, 0, 500000)),
        ("doc_1", "col_1", "tax_a_b", None, "node_x", "X", None, 1, None, datetime(2026, 3, 1, 10, 30, 0, 500000)),
    ]
    assert oracle.labels({"document_id": "d", "_internal": "text"}, {}) == []


def test_malformed_times_read_as_null():
    assert [oracle.naive_utc(v) for v in ("soon", "", None, 5, "0001-01-01T00:30:00+01:00")] == [None] * 5
