"""Thumbnails from document_blobs, presigned URLs kept out of text, join keys and freshness, by hand-built cases."""

from __future__ import annotations

import pytest

from mixpeek_app import documents
from mixpeek_app.documents import Thumbnail

PRESIGNED = "https://bucket.s3.amazonaws.com/obj_1_thumb.jpg?X-Amz-Signature=abc123"


def test_the_thumbnail_blob_is_shown_by_its_presigned_url_and_never_as_text() -> None:
    blobs = [
        {"field": "source_video", "url": "s3://b/obj_1.mp4", "role": "source", "type": "video"},
        {"field": "thumbnail", "url": "s3://b/obj_1_thumb.jpg", "role": "thumbnail", "presigned_url": PRESIGNED},
    ]
    picture = documents.thumbnail(blobs)
    assert picture == Thumbnail(PRESIGNED, "thumbnail")
    assert "Signature" not in picture.caption


def test_an_image_blob_stands_in_when_there_is_no_thumbnail() -> None:
    blobs = [{"field": "source_image", "url": "https://cdn.example.com/p.jpg", "role": "source", "type": "image"}]
    assert documents.thumbnail(blobs) == Thumbnail("https://cdn.example.com/p.jpg", "source_image")


def test_an_s3_address_is_named_but_not_loaded() -> None:
    picture = documents.thumbnail([{"field": "thumbnail", "url": "s3://b/t.jpg", "role": "thumbnail"}])
    assert picture == Thumbnail(None, "thumbnail: s3://b/t.jpg (not viewable in a browser)")


@pytest.mark.parametrize("blobs", [None, [], "s3://x", [{"role": "source", "type": "audio", "url": "s3://a"}], [7]])
def test_no_picture_without_an_image_blob(blobs: object) -> None:
    assert documents.thumbnail(blobs) is None


def test_presigned_urls_and_internal_fields_are_dropped_from_what_is_shown() -> None:
    document = {
        "title": "Boot",
        "document_blobs": [{"url": "s3://b/t.jpg", "presigned_url": PRESIGNED}],
        "_internal": {"namespace_id": "ns"},
    }
    assert documents.shown(document) == {"title": "Boot", "document_blobs": [{"url": "s3://b/t.jpg"}]}


@pytest.mark.parametrize(
    "row, field, key",
    [
        ({"DOCUMENT_ID": "doc_1", "METADATA": {"sku": "A"}}, "DOCUMENT_ID", "doc_1"),
        ({"DOCUMENT_ID": "doc_1", "METADATA": {"sku": "A"}}, "sku", "A"),
        ({"DOCUMENT_ID": "doc_1", "METADATA": {"n": 12}}, "n", "12"),
        ({"DOCUMENT_ID": "doc_1", "METADATA": {"in_stock": True}}, "in_stock", "true"),
        ({"DOCUMENT_ID": "doc_1", "METADATA": {"tags": ["a"]}}, "tags", None),
        ({"DOCUMENT_ID": "doc_1", "METADATA": None}, "sku", None),
    ],
)
def test_join_keys(row: dict, field: str, key: str | None) -> None:
    assert documents.join_key(row, field) == key


@pytest.mark.parametrize(
    "lag, text",
    [
        (None, "never"),
        (0, "0 s"),
        (119, "119 s"),
        (120, "2 min"),
        (7199, "120 min"),
        (7200, "2.0 h"),
        (172800, "2.0 d"),
    ],
)
def test_freshness(lag: object, text: str) -> None:
    assert documents.freshness(lag) == text
