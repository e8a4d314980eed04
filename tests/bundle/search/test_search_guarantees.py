"""mixpeek_search's documented default: 10 rows when no limit is given."""

from __future__ import annotations

from mixpeek_snowflake.functions import MixpeekSearch

RETRIEVER = "ret_loop000001"


def rows(options):
    return list(MixpeekSearch().process(RETRIEVER, {"query": "the"}, options))


def test_without_a_limit_a_search_returns_ten_rows(emulator, store):
    assert len(rows({"limit": 500})) > 10
    assert len(rows(None)) == 10
    assert len(rows({})) == 10
    assert len(rows({"limit": None})) == 10
