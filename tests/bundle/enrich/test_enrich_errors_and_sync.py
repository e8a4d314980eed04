"""Bad arguments fail before any request with a clear message; a later sync shows the pushed values."""

from __future__ import annotations

import json

import pytest
from local_world import enrich_mixpeek_documents, sync_mixpeek_collection

from mixpeek_snowflake.errors import InvalidArgument, MixpeekAPIError

COLLECTION = "col_loop000001"
COLUMNS = [("DOC_ID", "VARCHAR"), ("TIER", "VARCHAR"), ("BLOB", "BINARY")]


@pytest.fixture
def customers(load, doc_ids):
    load("CUSTOMERS", COLUMNS[:2], [{"DOC_ID": i, "TIER": "gold"} for i in doc_ids[:3]])
    return "CUSTOMERS"


@pytest.mark.parametrize(
    ("source", "key", "options", "argument", "message"),
    [
        ("NO_SUCH_TABLE", "DOC_ID", None, "source", "NO_SUCH_TABLE cannot be read"),
        ("CUSTOMERS; DROP TABLE X", "DOC_ID", None, "source", "expected 1 to 3 dot-separated parts"),
        ("SELECT * FROM CUSTOMERS; DROP TABLE CUSTOMERS", "DOC_ID", None, "source", "more than one statement"),
        ("DELETE FROM CUSTOMERS", "DOC_ID", None, "source", "not allowed"),
        ("", "DOC_ID", None, "source", "query starting with SELECT or WITH"),
        ("CUSTOMERS", "SKU", None, "key_column", "'SKU' is not a column of the source; the source has: DOC_ID, TIER"),
        ("CUSTOMERS", "", None, "key_column", "is not a column name"),
        ("CUSTOMERS", "DOC_ID", {"prefx": "x"}, "options", "unknown option(s) prefx; known: namespace"),
        ("CUSTOMERS", "DOC_ID", {"batch_size": 1001}, "option batch_size", "expected an integer 1 to 1000"),
        ("CUSTOMERS", "DOC_ID", {"prefix": "a.b"}, "option prefix", "letters, digits"),
        ("CUSTOMERS", "DOC_ID", {"columns": ["NOPE"]}, "option columns", "'NOPE' is not a column of the source"),
        ("CUSTOMERS", "DOC_ID", {"rename": {"TIER": "a..b"}}, "option rename.TIER", "dot-separated names"),
        ("CUSTOMERS", "DOC_ID", {"columns": ["TIER"], "rename": {"DOC_ID": "x"}}, "option rename", "not pushed"),
        ("CUSTOMERS", "DOC_ID", {"key_field": "_internal.x"}, "option key_field", "system field"),
        ("CUSTOMERS", "DOC_ID", {"dry_run": "yes"}, "option dry_run", "expected true or false"),
        ("CUSTOMERS", "DOC_ID", "{not json", "options", "expected an object"),
        ("SELECT DOC_ID FROM CUSTOMERS", "DOC_ID", None, "source", "no column to push besides the key"),
    ],
)
def test_bad_arguments_fail_before_any_request(session, emulator, customers, source, key, options, argument, message):
    with pytest.raises(InvalidArgument) as caught:
        enrich_mixpeek_documents(session, COLLECTION, source, key, options)
    assert caught.value.argument == argument and message in str(caught.value)
    assert emulator.requests == []


def test_colliding_and_unsendable_columns_are_refused(session, emulator, load, doc_ids):
    load("WIDE", COLUMNS, [{"DOC_ID": doc_ids[0], "TIER": "gold"}])
    with pytest.raises(InvalidArgument, match="BINARY columns cannot be sent as JSON: BLOB"):
        enrich_mixpeek_documents(session, COLLECTION, "WIDE", "DOC_ID")
    with pytest.raises(InvalidArgument, match=r"two columns write to 'metadata\.t'"):
        options = {"columns": ["TIER", "DOC_ID"], "rename": {"TIER": "t", "DOC_ID": "t"}}
        enrich_mixpeek_documents(session, COLLECTION, "WIDE", "DOC_ID", options)
    with pytest.raises(InvalidArgument, match=r"'metadata\.t\.x' or to a key that contains it"):
        options = {"columns": ["TIER", "DOC_ID"], "rename": {"TIER": "t", "DOC_ID": "t.x"}}
        enrich_mixpeek_documents(session, COLLECTION, "WIDE", "DOC_ID", options)
    with pytest.raises(InvalidArgument, match="collection_id"):
        enrich_mixpeek_documents(session, "../col", "WIDE", "DOC_ID")
    assert emulator.requests == []


def test_unknown_collection_is_a_clear_error(session, emulator, customers):
    with pytest.raises(MixpeekAPIError, match=r"404.*col_nope00001"):
        enrich_mixpeek_documents(session, "col_nope00001", customers, "DOC_ID")
    assert [r.path for r in emulator.requests] == ["/v1/collections/col_nope00001"]


def test_a_later_sync_shows_the_pushed_values_in_metadata(session, emulator, store, load, doc_ids, rows_of):
    first = sync_mixpeek_collection(session, COLLECTION, "MIXPEEK_DOCUMENTS", "full", None)
    assert first["inserted"] == 40
    load(
        "SEGMENTS",
        [("DOC_ID", "VARCHAR"), ("SEGMENT", "VARCHAR"), ("LTV", "NUMBER(10,2)")],
        [{"DOC_ID": i, "SEGMENT": f"s{n}", "LTV": n + 0.5} for n, i in enumerate(doc_ids[:5])],
    )
    enriched = enrich_mixpeek_documents(session, COLLECTION, "SEGMENTS", "DOC_ID")
    assert enriched["sent"] == 5
    second = sync_mixpeek_collection(session, COLLECTION, "MIXPEEK_DOCUMENTS", "incremental", None)
    assert (second["mode"], second["updated"]) == ("incremental", 5)
    rows = rows_of(
        "SELECT d.DOCUMENT_ID, d.METADATA:sf_segment::VARCHAR AS SEG, d.METADATA:sf_ltv::FLOAT AS LTV, "
        "d.METADATA:brand::VARCHAR AS BRAND, s.SEGMENT FROM MIXPEEK_DOCUMENTS d JOIN SEGMENTS s "
        "ON s.DOC_ID = d.DOCUMENT_ID ORDER BY s.SEGMENT"
    )
    assert [(r["SEG"], r["LTV"]) for r in rows] == [(f"s{n}", n + 0.5) for n in range(5)]
    assert all(r["SEG"] == r["SEGMENT"] and r["BRAND"] for r in rows)
    untouched = rows_of("SELECT METADATA FROM MIXPEEK_DOCUMENTS WHERE DOCUMENT_ID = ?", [doc_ids[10]])
    assert "sf_segment" not in json.loads(untouched[0]["METADATA"])
