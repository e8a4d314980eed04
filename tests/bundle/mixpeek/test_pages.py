"""parse_body: a list page too deep to parse whole is split into documents without recursion."""

from __future__ import annotations

import json

import pytest

from mixpeek_snowflake.mixpeek.pages import Unparsed, parse_body

DEEP = '{"document_id":"doc_deep","x":' + "[" * 5000 + "]" * 5000 + "}"


def page(*documents: str, tail: str = ',"pagination":{"next_cursor":"c2"}') -> str:
    return '{"results":[' + ",".join(documents) + "]" + tail + "}"


def test_ordinary_bodies_parse_as_json():
    assert parse_body('{"a": [1, {"b": null}]}') == {"a": [1, {"b": None}]}


def test_a_deep_document_is_set_apart_and_its_neighbours_parse():
    tricky = json.dumps({"document_id": "doc_2", "t": 'a "quoted" [x], {y}: z \\ ,', "n": [1, {"k": "]"}]})
    parsed = parse_body(page('{"document_id":"doc_1"}', DEEP, tricky))
    first, deep, third = parsed["results"]
    assert first == {"document_id": "doc_1"} and third == json.loads(tricky)
    assert isinstance(deep, Unparsed) and deep.document_id == "doc_deep" and "nested" in deep.reason
    assert len(deep.excerpt) == 2000 and parsed["pagination"] == {"next_cursor": "c2"}


def test_keys_named_results_deeper_down_are_not_mistaken_for_the_page():
    nested = '{"document_id":"doc_1","meta":{"results":[1,2]}}'
    parsed = parse_body('{"warnings":["results"],' + page(nested, DEEP)[1:])
    assert parsed["results"][0] == json.loads(nested) and isinstance(parsed["results"][1], Unparsed)
    assert parsed["warnings"] == ["results"]


def test_a_deep_document_without_an_id_is_still_set_apart():
    parsed = parse_body(page("[" * 5000 + "]" * 5000, tail=""))
    assert isinstance(parsed["results"][0], Unparsed) and parsed["results"][0].document_id is None


def test_a_deep_body_that_is_not_a_page_is_invalid_json():
    with pytest.raises(ValueError, match="nested deeper"):
        parse_body('{"x":' + "[" * 5000 + "]" * 5000 + "}")
