"""The mixpeek_search UDTF handler class, called directly against the emulator, and its README query shape."""

from __future__ import annotations

import json
import threading

import pytest
import requests
from local_world import sync_mixpeek_collection

from mixpeek_snowflake import functions
from mixpeek_snowflake.errors import InvalidArgument, MixpeekAPIError
from mixpeek_snowflake.functions import MixpeekSearch
from mixpeek_snowflake.search.retrieval import COLUMNS, RETURNS

RETRIEVER = "ret_loop000001"
COLLECTION = "col_loop000001"
IN_STOCK = {"AND": [{"field": "metadata.in_stock", "operator": "eq", "value": True}]}


def search(retriever=RETRIEVER, inputs=None, options=None, handler=None):
    handler = handler or MixpeekSearch()
    return list(handler.process(retriever, {"query": "red hiking boot"} if inputs is None else inputs, options))


def as_dicts(rows):
    return [dict(zip(COLUMNS, row, strict=True)) for row in rows]


def test_rows_are_ranked_scored_and_carry_the_document(emulator, store):
    rows = as_dicts(search(options={"limit": 8}))
    assert 1 <= len(rows) <= 8 and [r["RANK"] for r in rows] == list(range(1, len(rows) + 1))
    scores = [r["SCORE"] for r in rows]
    assert all(isinstance(s, float) and 0 < s <= 1 for s in scores) and scores == sorted(scores, reverse=True)
    stored = {d["document_id"]: d for d in store.documents(COLLECTION)}
    for row in rows:
        assert row["DOCUMENT_ID"] in stored and row["COLLECTION_ID"] == COLLECTION
        assert row["METADATA"] == stored[row["DOCUMENT_ID"]]["metadata"] == row["DOCUMENT"]["metadata"]
        assert row["RETRIEVER_ID"] == RETRIEVER and row["EXECUTION_ID"].startswith("exec_")
    assert rows[0]["SCORE"] == 1.0
    assert [r["DOCUMENT_ID"] for r in as_dicts(search(options={"limit": 8}))] == [r["DOCUMENT_ID"] for r in rows]


def test_limit_filters_name_and_plain_text_inputs(emulator, store):
    everything = search(inputs="red", options={"limit": 500})
    assert len(search(inputs="red", options={"limit": 2})) == 2 and len(everything) > 2
    filtered = as_dicts(search(inputs="red", options=json.dumps({"limit": 500, "filters": IN_STOCK})))
    assert filtered and all(r["METADATA"]["in_stock"] is True for r in filtered)
    expected = [r[1] for r in everything if r[4]["in_stock"] is True]
    assert [r["DOCUMENT_ID"] for r in filtered] == expected
    by_name = search("loop-search", '{"query": "red"}', {"limit": 500})
    assert [r[1] for r in by_name] == [r[1] for r in everything]
    assert search(inputs="zzqxv") == []


def test_one_requests_session_per_process_whatever_the_partitions(emulator):
    first, second = MixpeekSearch(), MixpeekSearch()
    search(handler=first)
    search(inputs="red", handler=first, options={"limit": 3})
    search(handler=second)
    (one,) = first._clients.values()
    (other,) = second._clients.values()
    assert one is not other
    assert one._session is other._session is functions.http_session()
    assert isinstance(one._session, requests.Session)


def test_concurrent_first_calls_make_one_http_session(monkeypatch):
    monkeypatch.setattr(functions, "_http", [])
    seen = []
    workers = [threading.Thread(target=lambda: seen.append(functions.http_session())) for _ in range(8)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    assert len(seen) == 8 and len({id(s) for s in seen}) == 1


@pytest.mark.parametrize(
    ("retriever", "inputs", "options", "argument", "message"),
    [
        ("../ret", {"query": "x"}, None, "retriever_id", "expected a retriever id or name"),
        (None, {"query": "x"}, None, "retriever_id", "expected a retriever id or name"),
        (RETRIEVER, "  ", None, "inputs", "is empty"),
        (RETRIEVER, ["x"], None, "inputs", "expected query text or an object"),
        (RETRIEVER, "{bad", None, "inputs", "is not valid JSON"),
        (RETRIEVER, {"query": "x"}, {"limit": 0}, "option limit", "expected an integer 1 to 500"),
        (RETRIEVER, {"query": "x"}, {"limit": 501}, "option limit", "expected an integer 1 to 500"),
        (RETRIEVER, {"query": "x"}, {"top_k": 5}, "options", "unknown option(s) top_k; known: limit, filters"),
        (RETRIEVER, {"query": "x"}, {"filters": []}, "option filters", "non-empty Mixpeek filter object"),
        (RETRIEVER, {"query": "x"}, {"base_url": "ftp://x"}, "option base_url", "http(s) URL"),
        (RETRIEVER, {"query": "x"}, [1], "options", "expected an object"),
    ],
)
def test_bad_arguments_fail_before_any_request(emulator, retriever, inputs, options, argument, message):
    with pytest.raises(InvalidArgument) as caught:
        search(retriever, inputs, options)
    assert caught.value.argument == argument and message in str(caught.value)
    assert emulator.requests == []


def test_api_errors_are_clear(emulator):
    with pytest.raises(MixpeekAPIError) as missing:
        search("ret_nope000001")
    assert missing.value.status == 404 and "ret_nope000001" in str(missing.value)
    assert "retriever not found: check retriever_id" in str(missing.value)
    with pytest.raises(MixpeekAPIError, match=r"422.*inputs\.query is required"):
        search(inputs={"text": "red"})
    with pytest.raises(MixpeekAPIError, match=r"422.*unknown filter operator"):
        search(options={"filters": {"AND": [{"field": "metadata.x", "operator": "bogus", "value": 1}]}})


def test_the_readme_join_runs_on_the_local_engine(session, emulator, load, rows_of):
    sync_mixpeek_collection(session, COLLECTION, "MIXPEEK_DOCUMENTS", "full", None)
    results = as_dicts(search(inputs="red", options={"limit": 5}))
    columns = [part.split()[:2] for part in RETURNS.removeprefix("TABLE(").removesuffix(")").split(", ")]
    load("SEARCH_RESULTS", [(name, kind) for name, kind in columns], results)
    skus = [r["METADATA"]["sku"] for r in results]
    load(
        "PRODUCTS",
        [("SKU", "VARCHAR"), ("MARGIN", "FLOAT")],
        [{"SKU": s, "MARGIN": 0.1 * n} for n, s in enumerate(skus)],
    )
    joined = rows_of(
        "SELECT r.RANK, r.DOCUMENT_ID, r.SCORE, d.MODALITY, d.SOURCE_URL, p.MARGIN "
        "FROM SEARCH_RESULTS r "
        "JOIN MIXPEEK_DOCUMENTS d ON d.DOCUMENT_ID = r.DOCUMENT_ID "
        "JOIN PRODUCTS p ON p.SKU = r.METADATA:sku::VARCHAR "
        "ORDER BY r.RANK"
    )
    assert [j["DOCUMENT_ID"] for j in joined] == [r["DOCUMENT_ID"] for r in results]
    assert all(j["MODALITY"] and j["SOURCE_URL"] for j in joined)
    assert [round(j["MARGIN"], 6) for j in joined] == [round(0.1 * n, 6) for n in range(len(results))]
