"""create_mixpeek_views arguments: defaults, and a clear refusal naming the argument for every bad value."""

from __future__ import annotations

import pytest

from mixpeek_snowflake.errors import InvalidArgument
from mixpeek_snowflake.snowflake.identifiers import TableName
from mixpeek_snowflake.views.options import ViewOptions, parse_view_options, parse_view_request


def test_defaults():
    assert parse_view_options(None) == ViewOptions()
    assert ViewOptions().source_table == TableName("MIXPEEK_DOCUMENTS")
    assert ViewOptions().sample_rows == 200 and ViewOptions().vector_type is None


def test_every_option_parses_from_an_object_or_json_text():
    options = {
        "source_table": "analytics.mixpeek.docs",
        "view_prefix": "bi_media",
        "namespace": "ns_prod",
        "base_url": "https://api.mixpeek.com",
        "vector_type": False,
        "sample_rows": 0,
        "dry_run": True,
    }
    parsed = parse_view_options(options)
    assert parsed.source_table == TableName("DOCS", "MIXPEEK", "ANALYTICS")
    assert parsed.view_prefix == "BI_MEDIA" and parsed.sample_rows == 0 and parsed.dry_run
    assert parse_view_options('{"sample_rows": 50.0, "vector_type": null}') == ViewOptions(sample_rows=50)


@pytest.mark.parametrize(
    ("options", "argument", "says"),
    [
        ({"sample_row": 5}, "options", "unknown option(s) sample_row; known: source_table, view_prefix"),
        ({"source_table": "a.b.c.d"}, "option source_table", "4 parts"),
        ({"source_table": 'x"; drop table y'}, "option source_table", "not allowed"),
        ({"view_prefix": "bi-media"}, "option view_prefix", "not allowed"),
        ({"view_prefix": "select"}, "option view_prefix", "reserved word"),
        ({"view_prefix": "A" * 201}, "option view_prefix", "at most 200"),
        ({"view_prefix": 7}, "option view_prefix", "prefix"),
        ({"vector_type": "yes"}, "option vector_type", "expected true or false"),
        ({"dry_run": 1}, "option dry_run", "expected true or false"),
        ({"sample_rows": -1}, "option sample_rows", "0 to 10000"),
        ({"sample_rows": True}, "option sample_rows", "0 to 10000"),
        ({"namespace": "ns/../x"}, "option namespace", "namespace"),
        ({"base_url": "ftp://x"}, "option base_url", "http(s) URL"),
        ("[1, 2]", "options", "expected an object"),
        ("{not json", "options", "expected an object"),
    ],
)
def test_bad_options_are_refused_naming_the_option(options, argument, says):
    with pytest.raises(InvalidArgument) as caught:
        parse_view_options(options)
    assert caught.value.argument == argument and says in caught.value.problem


@pytest.mark.parametrize("collection", [None, "", "col/../x", "a b", 5])
def test_bad_collection_ids_are_refused(collection):
    with pytest.raises(InvalidArgument) as caught:
        parse_view_request(collection, None)
    assert caught.value.argument == "collection_id"
