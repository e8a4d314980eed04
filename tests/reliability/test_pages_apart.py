"""parse_body: a complete page that cannot be parsed whole is parsed document by document; a cut one is not."""

from __future__ import annotations

import pytest

from mixpeek_snowflake.mixpeek.pages import ApartPage, OversizedInteger, Unparsed, parse_body


def page(*documents: str) -> str:
    return '{"results":[' + ",".join(documents) + '],"pagination":{"next_cursor":null}}'


def test_an_oversized_integer_parses_as_a_marker_without_failing_the_page():
    parsed = parse_body(page('{"document_id":"a","n":' + "9" * 5000 + "}", '{"document_id":"b","n":' + "9" * 308 + "}"))
    assert not isinstance(parsed, ApartPage)
    first, second = parsed["results"]
    assert isinstance(first["n"], OversizedInteger) and first["n"].digits == 5000
    assert second["n"] == int("9" * 308)


def test_a_broken_document_is_set_apart_and_its_neighbours_parse():
    parsed = parse_body(page('{"document_id":"a"}', '{"document_id":"b","x":tru}', '{"document_id":"c"}'))
    assert isinstance(parsed, ApartPage) and parsed["pagination"] == {"next_cursor": None}
    a, b, c = parsed["results"]
    assert (a, c) == ({"document_id": "a"}, {"document_id": "c"})
    assert isinstance(b, Unparsed) and b.document_id == "b" and b.reason == "document is not valid JSON"


@pytest.mark.parametrize("cut", [10, 40, -1, -20])
def test_a_cut_body_stays_invalid_so_the_client_retries_it(cut):
    text = page('{"document_id":"a"}', '{"document_id":"b","x":tru}', '{"document_id":"c"}')
    with pytest.raises(ValueError, match="invalid JSON"):
        parse_body(text[:cut])
