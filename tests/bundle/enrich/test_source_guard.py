"""The source guard is a tokenizer, not a scanner: every known bypass is refused, real queries pass."""

from __future__ import annotations

import pytest
from local_world import enrich_mixpeek_documents

from mixpeek_snowflake.enrich.options import parse_source
from mixpeek_snowflake.enrich.query import read_only_query, tokens
from mixpeek_snowflake.errors import InvalidArgument

COLLECTION = "col_loop000001"
BYPASSES = [
    ("SELECT DOC_ID, TIER AS a$$ FROM CUSTOMERS; DROP TABLE CUSTOMERS; SELECT $$ AS x", "unterminated $$ string"),
    ("SELECT 1 AS a$$; DROP TABLE CUSTOMERS; SELECT $$x$$", "more than one statement"),
    ("SELECT * FROM CUSTOMERS; DROP TABLE CUSTOMERS; SELECT 1", "more than one statement"),
    ("SELECT 1 /* ; */; DELETE FROM CUSTOMERS", "more than one statement"),
    ("SELECT 'it''s' AS a; TRUNCATE TABLE CUSTOMERS", "more than one statement"),
    ("SELECT 1 AS x) AS s, (SELECT 2", "never opened"),
    ("SELECT (1", "bracket(s) open"),
    ("WITH d AS (DELETE FROM CUSTOMERS) SELECT 1", "holds DELETE"),
    ("SELECT * FROM CUSTOMERS WHERE 1 = 1 /* unterminated", "unterminated comment"),
    ("SELECT 'open", "unterminated string"),
    ("SELECT $$ open", "unterminated $$ string"),
    ('SELECT "open', "unterminated quoted identifier"),
    ("SELECT $1 FROM @stage", "'@'"),
    ("SELECT 1 \\; DROP TABLE CUSTOMERS", "'\\\\'"),
]


@pytest.mark.parametrize(("text", "message"), BYPASSES)
def test_bypasses_are_refused(text, message):
    with pytest.raises(InvalidArgument) as caught:
        parse_source(text)
    assert caught.value.argument == "source" and message in caught.value.problem


def test_dollar_signs_inside_identifiers_are_part_of_the_identifier():
    words = [t.text for t in tokens("SELECT a$$ , $$x;y$$ AS b$1, $1 FROM t") if t.kind not in ("space",)]
    assert words == ["SELECT", "a$$", ",", "$$x;y$$", "AS", "b$1", ",", "$1", "FROM", "t"]


@pytest.mark.parametrize(
    ("text", "query"),
    [
        ('SELECT \'a;b\' AS n, "x;""y" FROM t -- c;\n;;', 'SELECT \'a;b\' AS n, "x;""y" FROM t'),
        ("with x as (select 1 a) select insert('abc', 1, 1, 'z') from x", None),
        ("SELECT $$it's; fine$$ AS s, 1.5e3, .5, a::NUMBER, b || c, d => e FROM t", None),
        ("SELECT DELETED_AT, UPDATED FROM t", None),
    ],
)
def test_real_queries_pass(text, query):
    assert read_only_query(text) == (query or text)


def test_the_a_dollar_dollar_attack_leaves_the_table(session, emulator, load, doc_ids, rows_of):
    load("CUSTOMERS", [("DOC_ID", "VARCHAR"), ("TIER", "VARCHAR")], [{"DOC_ID": doc_ids[0], "TIER": "gold"}])
    attack = "SELECT DOC_ID, TIER AS a$$ FROM CUSTOMERS; DROP TABLE CUSTOMERS; SELECT $$ AS x FROM CUSTOMERS"
    with pytest.raises(InvalidArgument, match=r"unterminated \$\$ string starting at character 73"):
        enrich_mixpeek_documents(session, COLLECTION, attack, "DOC_ID", {"dry_run": True})
    assert rows_of("SELECT DOC_ID FROM CUSTOMERS") == [{"DOC_ID": doc_ids[0]}]
    assert emulator.requests == []


@pytest.mark.parametrize(
    ("source", "named"),
    [
        ("MIXPEEK_DOCUMENTS", "MIXPEEK_DOCUMENTS"),
        ("mixpeek.core.customers", "MIXPEEK"),
        ('SELECT K, V FROM "Mixpeek_Sync_Runs"', "Mixpeek_Sync_Runs"),
        ("SELECT DOCUMENT_ID AS K, SOURCE_URL FROM MIXPEEK_DOCUMENTS", "MIXPEEK_DOCUMENTS"),
        ('SELECT K, V FROM T JOIN "MIXPEEK_ENRICH_STATE" s ON s.KEY_VALUE = T.K', "MIXPEEK_ENRICH_STATE"),
        ("SELECT RANK AS K, METADATA FROM TABLE(mixpeek_search('ret_1', PARSE_JSON('{}')))", "mixpeek_search"),
    ],
)
def test_the_bundles_own_objects_are_never_a_source(source, named):
    with pytest.raises(InvalidArgument) as caught:
        parse_source(source)
    assert caught.value.argument == "source"
    assert caught.value.problem.startswith(f"names {named}, one of the bundle's own objects; the procedure reads")


def test_a_string_that_mentions_the_bundle_is_not_a_name():
    assert parse_source("SELECT 'MIXPEEK_DOCUMENTS' AS K, 1 AS V FROM T -- MIXPEEK_X").is_query


def test_the_owner_cannot_be_made_to_read_the_synced_documents(session, emulator, load, doc_ids):
    load("MIXPEEK_DOCUMENTS", [("DOCUMENT_ID", "VARCHAR"), ("SOURCE_URL", "VARCHAR")], [{"DOCUMENT_ID": doc_ids[0]}])
    source = "SELECT DOCUMENT_ID AS K, SOURCE_URL FROM MIXPEEK_DOCUMENTS"
    with pytest.raises(InvalidArgument, match="one of the bundle's own objects"):
        enrich_mixpeek_documents(session, COLLECTION, source, "K", {"dry_run": True})
    assert emulator.requests == []
