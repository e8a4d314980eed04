"""Records at their limits: NUMBER(38,0) sizes and their notes, the size caps' reasons, row keys, stage_row."""

from __future__ import annotations

import hashlib
import json
import random
import zlib
from datetime import datetime

from mixpeek_snowflake.sync.records import Reject, RowKey, convert_page, range_notes, stage_row, typed_fields

NINES = 10**38 - 1
NOTE_39 = "kept with SIZE_BYTES NULL: _internal.size_bytes has 39 digits, beyond NUMBER(38,0)"


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def test_the_largest_number_38_size_is_kept_without_a_note() -> None:
    doc = {"document_id": "d1", "_internal": {"size_bytes": NINES}}
    assert typed_fields(doc)["size_bytes"] == NINES
    assert range_notes(doc) == []
    page = convert_page([doc])
    assert page.notes == [] and page.rejects == []
    assert json.loads(page.rows_json[0])["size_bytes"] == NINES


def test_a_size_beyond_number_38_is_null_with_a_note_naming_its_digits() -> None:
    doc = {"document_id": "d1", "_internal": {"size_bytes": 10**38}}
    assert typed_fields(doc)["size_bytes"] is None
    assert range_notes(doc) == [NOTE_39]
    assert range_notes({"document_id": "d2", "_internal": {"size_bytes": 10**44 + 7}}) == [
        "kept with SIZE_BYTES NULL: _internal.size_bytes has 45 digits, beyond NUMBER(38,0)"
    ]
    text = '{"_internal":{"size_bytes":100000000000000000000000000000000000000},"document_id":"d1"}'
    page = convert_page([doc])
    assert page.notes == [Reject("d1", NOTE_39, text)]
    assert json.loads(page.rows_json[0])["size_bytes"] is None


def test_a_note_excerpt_is_the_first_2000_characters_of_the_stored_text() -> None:
    doc = {"document_id": "d1", "_internal": {"size_bytes": 10**38}, "text": "é" * 3000}
    head = '{"_internal":{"size_bytes":100000000000000000000000000000000000000},"document_id":"d1","text":"'
    text = head + "é" * 3000
    assert convert_page([doc]).notes == [Reject("d1", NOTE_39, text[:2000])]


def test_no_note_without_a_size_beyond_the_type() -> None:
    unusable = ({}, {"size_bytes": True}, {"size_bytes": "1" * 40}, {"size_bytes": -(10**40)}, {"SIZE_BYTES": 10**40})
    for internal in unusable:
        assert range_notes({"document_id": "d", "_internal": internal}) == []
    assert range_notes({"document_id": "d", "size_bytes": 10**40}) == []


def test_each_row_key_has_the_id_the_parsed_update_time_and_the_hash_of_the_stored_text() -> None:
    first = {"document_id": "a", "_internal": {"updated_at": "2026-03-01T10:00:00+02:00"}}
    second = {"document_id": "b"}
    first_text = '{"_internal":{"updated_at":"2026-03-01T10:00:00+02:00"},"document_id":"a"}'
    page = convert_page([first, second])
    assert page.keys == [
        RowKey("a", datetime(2026, 3, 1, 8, 0), sha(first_text)),
        RowKey("b", None, sha('{"document_id":"b"}')),
    ]


def test_a_document_over_the_size_cap_is_refused_with_the_whole_reason() -> None:
    doc = {"document_id": "big", "text": "x" * 16_711_680}
    size = len('{"document_id":"big","text":""}') + 16_711_680
    page = convert_page([doc])
    assert page.rows_json == []
    assert [(r.document_id, r.reason) for r in page.rejects] == [
        (
            "big",
            f"document is {size} bytes; the sync stores documents of at most 16711680 bytes (a VARIANT holds 128 MB, "
            "but each document is bound into one staging statement)",
        )
    ]


def test_a_document_that_compresses_beyond_the_cap_is_refused_with_the_whole_reason() -> None:
    chosen = random.Random(5)
    body = "".join(chr(0x100 + chosen.randrange(0x700)) for _ in range(850_000))
    text = '{"body":"' + body + '","document_id":"dense"}'
    size, packed = len(text.encode("utf-8")), len(zlib.compress(text.encode("utf-8"), 6))
    assert 800_000 < len(text) <= 900_000 and packed > 800_000
    page = convert_page([{"document_id": "dense", "body": body}])
    assert page.rows_json == []
    assert [(r.document_id, r.reason) for r in page.rejects] == [
        (
            "dense",
            f"document is {size} bytes, {packed} compressed; the sync stores documents of at most 800000 bytes "
            "compressed, so that its staging statement stays within Snowflake's 1 MB (a VARIANT holds 128 MB, but a "
            "larger bound statement cannot be retried)",
        )
    ]


def test_stage_row_is_the_typed_fields_labels_hash_and_document() -> None:
    doc = {"document_id": "d1", "collection_id": "col_doc", "_internal": {"modality": "text"}, "name": "ü"}
    text = '{"_internal":{"modality":"text"},"collection_id":"col_doc","document_id":"d1","name":"ü"}'
    labels = [{"taxonomy_id": "tax_1", "label": "A", "rank": 1}]
    row = stage_row(doc, text, labels, "col_listed")
    assert row.endswith(',"document":' + text + "}")
    assert json.loads(row) == {
        "document_id": "d1",
        "collection_id": "col_listed",
        "namespace_id": None,
        "created_at": None,
        "updated_at": None,
        "modality": "text",
        "mime_type": None,
        "source_url": None,
        "source_object_id": None,
        "root_object_id": None,
        "root_bucket_id": None,
        "size_bytes": None,
        "labels": labels,
        "content_hash": sha(text),
        "document": doc,
    }
    assert json.loads(stage_row(doc, text, []))["collection_id"] == "col_doc"
