"""enrich_mixpeek_documents end to end: a real Snowpark session on fakesnow, the handler, the emulator."""

from __future__ import annotations

import hashlib
import json

import pytest
from local_world import enrich_mixpeek_documents

from mixpeek_local.emulator import Fault
from mixpeek_snowflake.enrich.engine import EnrichmentFailed

CUSTOMERS = [
    ("DOC_ID", "VARCHAR"),
    ("TIER", "VARCHAR"),
    ("LTV", "NUMBER(10,2)"),
    ("ORDERS", "NUMBER(38,0)"),
    ("VIP", "BOOLEAN"),
    ("LAST_ORDER", "TIMESTAMP_NTZ"),
    ("SIGNUP", "DATE"),
    ("PROFILE", "VARIANT"),
    ("RATIO", "FLOAT"),
]
BATCH_PATH = "/documents/batch"
COLLECTION = "col_loop000001"


def customer(doc_id, tier="gold", ltv=1234.5, orders=42, vip=True, **extra):
    row = {"DOC_ID": doc_id, "TIER": tier, "LTV": ltv, "ORDERS": orders, "VIP": vip}
    row |= {"LAST_ORDER": "2026-01-01 10:00:00", "SIGNUP": "2026-01-02", "PROFILE": {"segment": ["b2b"]}, "RATIO": 0.25}
    return row | extra


def sha(text):
    return hashlib.sha256(text.encode()).hexdigest()


def metadata(store, doc_id):
    return store.get_document(COLLECTION, doc_id)["metadata"]


def enrich_tables(rows_of):
    return sorted(t["name"] for t in rows_of("SHOW TABLES") if t["name"].startswith("MIXPEEK_ENRICH"))


def batch_posts(emulator):
    return sum(1 for r in emulator.requests if r.method == "POST" and r.path.endswith(BATCH_PATH))


def test_values_keep_their_types_and_null_removes_the_key(session, emulator, store, load, doc_ids):
    store.update_document(COLLECTION, doc_ids[1], {"metadata": {"sf_tier": "old", "sf_ltv": 1.0}})
    load("CUSTOMERS", CUSTOMERS, [customer(doc_ids[0]), {"DOC_ID": doc_ids[1]}])
    before = store.get_document(COLLECTION, doc_ids[0])
    summary = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID")
    assert (summary["rows_read"], summary["sent"], summary["failed"], summary["unchanged"]) == (2, 2, 0, 0)
    first = metadata(store, doc_ids[0])
    assert first["sf_tier"] == "gold" and first["sf_ltv"] == 1234.5 and isinstance(first["sf_ltv"], float)
    assert first["sf_orders"] == 42 and type(first["sf_orders"]) is int
    assert first["sf_vip"] is True and first["sf_ratio"] == 0.25
    assert first["sf_last_order"] == "2026-01-01T10:00:00.000000Z" and first["sf_signup"] == "2026-01-02"
    assert first["sf_profile"] == {"segment": ["b2b"]}
    assert first["brand"] == before["metadata"]["brand"] and first["sku"] == before["metadata"]["sku"]
    after = store.get_document(COLLECTION, doc_ids[0])
    assert after["_internal"]["updated_at"] > before["_internal"]["updated_at"]
    assert not any(k.startswith("sf_") for k in metadata(store, doc_ids[1]))
    assert summary["columns"]["LAST_ORDER"] == "metadata.sf_last_order" and "DOC_ID" not in summary["columns"]


def test_rerun_sends_only_changed_rows(session, emulator, store, load, doc_ids, rows_of):
    load("CUSTOMERS", CUSTOMERS, [customer(i, orders=n) for n, i in enumerate(doc_ids[:6])])
    first = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID")
    assert first["sent"] == 6 and batch_posts(emulator) == 1
    events = len(store.events())
    second = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID")
    assert (second["sent"], second["unchanged"], second["changed"]) == (0, 6, 0)
    assert batch_posts(emulator) == 1 and len(store.events()) == events
    session.sql("UPDATE CUSTOMERS SET TIER = 'platinum' WHERE DOC_ID = ?", params=[doc_ids[2]]).collect()
    third = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID")
    assert (third["sent"], third["unchanged"]) == (1, 5) and metadata(store, doc_ids[2])["sf_tier"] == "platinum"
    state = rows_of("SELECT DOCUMENT_ID, LAST_RUN_ID FROM MIXPEEK_ENRICH_STATE ORDER BY DOCUMENT_ID")
    assert len(state) == 6 and {r["LAST_RUN_ID"] for r in state} == {first["run_id"], third["run_id"]}
    forced = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"force": True})
    assert forced["sent"] == 6


def test_dry_run_reports_and_writes_nothing(session, emulator, store, load, doc_ids, rows_of):
    load("CUSTOMERS", CUSTOMERS, [customer(i) for i in doc_ids[:4]] + [{"DOC_ID": None, "TIER": "x"}])
    snapshot = store.documents(COLLECTION)
    summary = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"dry_run": True})
    assert summary["dry_run"] is True and (summary["changed"], summary["sent"], summary["failed"]) == (4, 0, 1)
    assert summary["failure_samples"][0]["reason"] == "key column DOC_ID is NULL"
    assert batch_posts(emulator) == 0 and store.documents(COLLECTION) == snapshot
    assert enrich_tables(rows_of) == []
    real = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID")
    assert real["sent"] == 4 and enrich_tables(rows_of) == ["MIXPEEK_ENRICH_FAILURES", "MIXPEEK_ENRICH_STATE"]
    again = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"dry_run": True})
    assert (again["changed"], again["unchanged"]) == (0, 4)


def test_prefix_rename_and_column_subset(session, emulator, store, load, doc_ids):
    load("CUSTOMERS", CUSTOMERS, [customer(doc_ids[0])])
    options = {"prefix": "crm_", "columns": ["tier", "LTV", "VIP"], "rename": {"LTV": "value.lifetime_usd"}}
    summary = enrich_mixpeek_documents(session, COLLECTION, "customers", "doc_id", options)
    assert summary["columns"] == {
        "TIER": "metadata.crm_tier",
        "LTV": "metadata.value.lifetime_usd",
        "VIP": "metadata.crm_vip",
    }
    meta = metadata(store, doc_ids[0])
    assert meta["crm_tier"] == "gold" and meta["value"] == {"lifetime_usd": 1234.5} and meta["crm_vip"] is True
    assert not any(k.startswith("sf_") or k == "crm_orders" for k in meta)


def test_key_by_metadata_field_reaches_every_matching_document(session, emulator, store, load, doc_ids, rows_of):
    store.update_document(COLLECTION, doc_ids[1], {"metadata": {"sku": "SHARED-1"}})
    store.update_document(COLLECTION, doc_ids[2], {"metadata": {"sku": "SHARED-1"}})
    skus = [metadata(store, i)["sku"] for i in doc_ids[3:8]]
    rows = [{"SKU": s, "STOCK": n, "PRICE_BAND": "low"} for n, s in enumerate([*skus, "SHARED-1", "NO-SUCH-SKU"])]
    load("INVENTORY", [("SKU", "VARCHAR"), ("STOCK", "NUMBER(38,0)"), ("PRICE_BAND", "VARCHAR")], rows)
    options = {"key_field": "metadata.sku", "batch_size": 3}
    summary = enrich_mixpeek_documents(session, COLLECTION, "INVENTORY", "SKU", options)
    assert (summary["documents_matched"], summary["sent"], summary["failed"], summary["batches"]) == (7, 7, 1, 3)
    assert metadata(store, doc_ids[1])["sf_stock"] == 5 and metadata(store, doc_ids[2])["sf_stock"] == 5
    assert metadata(store, doc_ids[3])["sf_stock"] == 0 and metadata(store, doc_ids[3])["sku"] == skus[0]
    failures = rows_of("SELECT KEY_VALUE, DOCUMENT_ID, REASON FROM MIXPEEK_ENRICH_FAILURES")
    assert failures == [
        {"KEY_VALUE": sha("NO-SUCH-SKU"), "DOCUMENT_ID": None, "REASON": "no document has this key in metadata.sku"}
    ]
    rerun = enrich_mixpeek_documents(session, COLLECTION, "INVENTORY", "SKU", options)
    assert (rerun["sent"], rerun["unchanged"], rerun["failed"]) == (0, 7, 1)


def test_partial_failures_are_recorded_and_the_rest_goes_on(session, emulator, store, load, doc_ids, rows_of):
    store.update_document(COLLECTION, doc_ids[4], {"metadata": {"shop": "not an object"}})
    rows = [
        customer(doc_ids[0]),
        customer(doc_ids[1], tier="a"),
        customer(doc_ids[1], tier="b"),
        customer("doc_ffffffffffff"),
        customer(doc_ids[3]),
        customer(doc_ids[4]),
        {"DOC_ID": None, "TIER": "orphan"},
    ]
    load("CUSTOMERS", CUSTOMERS, rows)
    source = "SELECT DOC_ID, TIER, LTV FROM CUSTOMERS"
    summary = enrich_mixpeek_documents(session, COLLECTION, source, "DOC_ID", {"rename": {"TIER": "shop.tier"}})
    assert (summary["sent"], summary["failed"]) == (2, 4)
    assert metadata(store, doc_ids[0])["shop"] == {"tier": "gold"} and metadata(store, doc_ids[3])["sf_ltv"] == 1234.5
    failures = rows_of(
        "SELECT KEY_VALUE, DOCUMENT_ID, REASON, UPDATE_DATA FROM MIXPEEK_ENRICH_FAILURES ORDER BY REASON"
    )
    reasons = {r["KEY_VALUE"]: r["REASON"] for r in failures}
    assert reasons[sha(doc_ids[1])].startswith("key appears on 2 source rows")
    assert reasons[sha("doc_ffffffffffff")] == "refused by Mixpeek: document '<key>' not found"
    assert "shop is not an object" in reasons[sha(doc_ids[4])]
    assert reasons[None] == "key column DOC_ID is NULL"
    refused = next(r for r in failures if r["KEY_VALUE"] == sha(doc_ids[4]))
    assert json.loads(refused["UPDATE_DATA"]) == {"metadata.shop.tier": "string", "metadata.sf_ltv": "number"}
    assert {r["DOCUMENT_ID"] for r in failures} == {None}
    assert {r["RUN_ID"] for r in rows_of("SELECT RUN_ID FROM MIXPEEK_ENRICH_FAILURES")} == {summary["run_id"]}


def test_a_refused_batch_is_split_until_the_bad_document_is_found(session, emulator, store, load, doc_ids, waits):
    load("CUSTOMERS", CUSTOMERS, [customer(i) for i in doc_ids[:4]])
    emulator.inject(Fault("status", path_contains=BATCH_PATH, status=422))
    emulator.inject(Fault("status", path_contains=BATCH_PATH, status=503, retry_after=0))
    summary = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID")
    assert (summary["sent"], summary["failed"], summary["retries"]) == (4, 0, 1)
    assert batch_posts(emulator) == 4 and waits == [0.0]


def test_a_run_that_stops_keeps_what_mixpeek_confirmed(session, emulator, store, load, doc_ids, rows_of):
    load("CUSTOMERS", CUSTOMERS, [customer(i) for i in doc_ids[:5]])
    original = emulator.api.handle

    def handle(method, target, headers, body):
        if target.endswith(BATCH_PATH) and batch_posts(emulator) == 1:
            emulator.inject(Fault("status", path_contains=BATCH_PATH, status=403))
        return original(method, target, headers, body)

    emulator.api.handle = handle
    with pytest.raises(
        EnrichmentFailed, match=r"stopped after 2 complete batch\(es\): .*403.*The 4 update\(s\) Mixpeek confirmed"
    ):
        enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"batch_size": 2})
    assert len(rows_of("SELECT * FROM MIXPEEK_ENRICH_STATE")) == 4
    emulator.api.handle = original
    rerun = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"batch_size": 2})
    assert (rerun["sent"], rerun["unchanged"]) == (1, 4)


def test_query_source_with_semicolons_in_literals(session, emulator, store, load, doc_ids):
    load("CUSTOMERS", CUSTOMERS, [customer(i) for i in doc_ids[:3]])
    source = f"""
        WITH picked AS (SELECT * FROM CUSTOMERS WHERE DOC_ID <> '{doc_ids[2]}')
        SELECT DOC_ID AS "id", 'a;b' AS NOTE, ORDERS * 2 AS DOUBLED FROM picked -- trailing; comment
        ;"""
    summary = enrich_mixpeek_documents(session, COLLECTION, source, "id", {"prefix": ""})
    assert summary["sent"] == 2 and summary["source"].startswith("WITH picked AS")
    assert metadata(store, doc_ids[0])["note"] == "a;b" and metadata(store, doc_ids[0])["doubled"] == 84
    assert "note" not in metadata(store, doc_ids[2])


def test_a_source_query_that_fails_while_running_stops_the_run(session, emulator, load, doc_ids):
    load("CUSTOMERS", CUSTOMERS, [customer(i) for i in doc_ids[:2]])
    source = "SELECT DOC_ID, TIER::NUMBER AS N FROM CUSTOMERS"
    with pytest.raises(EnrichmentFailed, match=r"stopped after 0 complete batch\(es\): .*The 0 update\(s\)"):
        enrich_mixpeek_documents(session, COLLECTION, source, "DOC_ID")
    assert batch_posts(emulator) == 0
