"""records edges a property cannot reach: unparsed documents, the exact reject reasons, excerpts of odd objects."""

from __future__ import annotations

import json
import math

from mixpeek_snowflake.mixpeek.pages import Unparsed
from mixpeek_snowflake.sync.records import Reject, convert_page, excerpt

GOOD = {"document_id": "doc_ok", "_internal": {"updated_at": "2026-01-02T00:00:00Z"}}


def test_an_unparsed_document_is_rejected_as_it_came_and_the_rest_goes_on() -> None:
    unparsed = Unparsed("doc_deep", "document is nested too deeply to parse", "[[[[")
    page = convert_page([unparsed, GOOD, Unparsed(None, "why", "x")])
    assert page.rejects == [
        Reject("doc_deep", "document is nested too deeply to parse", "[[[["),
        Reject(None, "why", "x"),
    ]
    assert [json.loads(r)["document_id"] for r in page.rows_json] == ["doc_ok"]


def test_reject_reasons_are_exactly_what_the_rejects_table_shows() -> None:
    deep: object = "x"
    for _ in range(100_000):
        deep = [deep]
    cases = [
        ({"document_id": ""}, "document_id is missing, empty or not a string"),
        ({"document_id": "d", "v": "\ud800"}, "document holds invalid Unicode (an unpaired surrogate escape)"),
        ({"document_id": "d", "v": math.nan}, "document holds NaN or Infinity, which a Snowflake VARIANT cannot store"),
        ({"document_id": "d", "v": deep}, "document is nested too deeply to serialise"),
        ([1], "document is a JSON list, not an object"),
    ]
    for doc, reason in cases:
        assert [r.reason for r in convert_page([doc]).rejects] == [reason]


def test_excerpts_of_objects_json_cannot_write() -> None:
    assert excerpt({"a": {1}}) == '{"a": "{1}"}'
    circular: list[object] = []
    circular.append(circular)
    assert excerpt(circular) == "[[...]]"
    deep: object = None
    for _ in range(200_000):
        deep = [deep]
    assert excerpt(deep) == "<list nested too deeply to print>"
    assert excerpt({"é": "ü"}) == '{"\\u00e9": "\\u00fc"}'


def test_typed_text_stays_unescaped_in_the_stage_row() -> None:
    doc = {"document_id": "doc_é", "_internal": {"modality": "vidéo", "mime_type": "image/jpeg"}}
    row = convert_page([doc]).rows_json[0]
    assert '"document_id": "doc_é"' in row and '"modality": "vidéo"' in row
    assert json.loads(row)["document"] == doc
