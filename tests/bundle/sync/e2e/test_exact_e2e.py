"""A target is exact under ordinary operations: its definition, identity and labels are its own."""

from __future__ import annotations

import json

import pytest
from bundle.sync.e2e.helpers import COLLECTION, NAMESPACE, assert_matches_truth, live_rows, query, snapshot, sync
from local_world import reset_mixpeek_sync, sync_mixpeek_collection

from mixpeek_local.emulator import seed_collection
from mixpeek_snowflake.errors import InvalidArgument, MixpeekSnowflakeError
from mixpeek_snowflake.sync.labels import document_labels

OUT_OF_STOCK = {"field": "metadata.in_stock", "operator": "eq", "value": False}
BRAND_FILTER_FIELD = "metadata.brand"


def out_of_stock(store):
    return [d for d in store.documents(COLLECTION) if d["metadata"]["in_stock"] is False]


def labels_of(session, target):
    sql = (
        "SELECT DOCUMENT_ID, TAXONOMY_ID, RANK, LABEL FROM MIXPEEK_DOCUMENT_LABELS WHERE TARGET_TABLE LIKE ? "
        "ORDER BY 1, 2, 3"
    )
    return [tuple(r.values()) for r in query(session, sql, [f"%.{target}"])]


def expected_labels(docs):
    rows = [
        (d["document_id"], lab["taxonomy_id"], lab["rank"], lab["label"]) for d in docs for lab in document_labels(d)
    ]
    return sorted(rows)


def assert_live_is(session, docs, target):
    live = live_rows(session, target)
    assert live == {d["document_id"]: d for d in docs}


def test_a_filtered_sync_into_a_second_target_leaves_the_first_targets_labels_alone(session, store, emulator):
    sync(session, "full")
    before = labels_of(session, "MIXPEEK_DOCUMENTS")
    assert before == expected_labels(store.documents(COLLECTION))
    summary = sync(session, "full", target="OUT_OF_STOCK", filters=OUT_OF_STOCK)
    assert summary["inserted"] == len(out_of_stock(store)) < 240
    assert labels_of(session, "MIXPEEK_DOCUMENTS") == before
    assert labels_of(session, "OUT_OF_STOCK") == expected_labels(out_of_stock(store))
    assert_live_is(session, out_of_stock(store), "OUT_OF_STOCK")
    assert_matches_truth(session, store)


def test_a_second_collection_in_a_target_is_refused_before_anything_changes(session, store, emulator):
    sync(session, "full")
    other = seed_collection(store, documents=5, seed=9, namespace=NAMESPACE, collection_id="col_other00001")
    before = {t: snapshot(session, t) for t in ("MIXPEEK_DOCUMENTS", "MIXPEEK_SYNC_STATE")}
    with pytest.raises(MixpeekSnowflakeError, match=f"holds collection {COLLECTION}"):
        sync_mixpeek_collection(session, other, "MIXPEEK_DOCUMENTS", "full", None)
    assert {t: snapshot(session, t) for t in before} == before
    assert emulator.request_count("/v1/collections/col_other00001/documents/list") == 0
    assert sync_mixpeek_collection(session, other, "OTHER_DOCS", "full", None)["inserted"] == 5


def test_include_vectors_is_remembered_by_runs_that_omit_it(session, store, emulator):
    sync(session, "full", include_vectors=True)
    assert all("multimodal_embedding" in doc for doc in live_rows(session).values())
    store.update_document(COLLECTION, store.documents(COLLECTION)[0]["document_id"], {"metadata": {"x": 1}})
    incremental = sync(session)
    full = sync(session, "full")
    assert (incremental["updated"], full["updated"], full["unchanged"]) == (1, 0, 240)
    assert all("multimodal_embedding" in doc for doc in live_rows(session).values())
    assert full["definition"]["include_vectors"] is True


def test_a_filter_is_remembered_and_incremental_runs_keep_the_filtered_set(session, store, emulator):
    sync(session, "full", filters=OUT_OF_STOCK)
    ids = [d["document_id"] for d in store.documents(COLLECTION)]
    for document_id in ids[:6]:
        store.update_document(COLLECTION, document_id, {"metadata": {"revision": 2}})
    leaving = next(d["document_id"] for d in out_of_stock(store))
    joining = next(d["document_id"] for d in store.documents(COLLECTION) if d["metadata"]["in_stock"])
    store.update_document(COLLECTION, leaving, {"metadata": {"in_stock": True}})
    store.update_document(COLLECTION, joining, {"metadata": {"in_stock": False}})
    store.add_document(COLLECTION)
    planned = sync(session, dry_run=True)
    summary = sync(session)
    assert (planned["deleted"], summary["deleted"]) == (1, 1) and leaving not in live_rows(session)
    assert summary["mode"] == "incremental" and summary["definition"]["filters"] == OUT_OF_STOCK
    assert_live_is(session, out_of_stock(store), "MIXPEEK_DOCUMENTS")
    run = query(session, "SELECT DEFINITION, OPTIONS, USER_NAME, ROLE_NAME FROM MIXPEEK_SYNC_RUNS WHERE RUN_ID = ?",
                [summary["run_id"]])[0]  # fmt: skip
    assert json.loads(run["DEFINITION"])["filters"] == OUT_OF_STOCK and json.loads(run["OPTIONS"]) == {}
    assert run["USER_NAME"] and run["ROLE_NAME"]


def test_changing_a_definition_needs_redefine_and_then_resyncs_to_it(session, store, emulator):
    sync(session, "full", filters=OUT_OF_STOCK)
    brand = store.documents(COLLECTION)[0]["metadata"]["brand"]
    by_brand = {"field": BRAND_FILTER_FIELD, "operator": "eq", "value": brand}
    before = snapshot(session, "MIXPEEK_DOCUMENTS")
    requests = emulator.request_count()
    with pytest.raises(InvalidArgument, match="redefine") as caught:
        sync(session, filters=by_brand)
    assert caught.value.argument == "options" and "filters" in str(caught.value)
    assert emulator.request_count() == requests and snapshot(session, "MIXPEEK_DOCUMENTS") == before
    summary = sync(session, filters=by_brand, redefine=True)
    assert summary["mode"] == "full" and "filters" in summary["reason"]
    expected = [d for d in store.documents(COLLECTION) if d["metadata"]["brand"] == brand]
    assert_live_is(session, expected, "MIXPEEK_DOCUMENTS")
    assert labels_of(session, "MIXPEEK_DOCUMENTS") == expected_labels(expected)
    widened = sync(session, redefine=True)
    assert widened["definition"]["filters"] is None
    assert_matches_truth(session, store)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        ("DROP TABLE MIXPEEK_DOCUMENTS", "did not exist"),
        ("TRUNCATE TABLE MIXPEEK_DOCUMENTS", "holds 0 rows"),
        ("DELETE FROM MIXPEEK_DOCUMENTS WHERE DOCUMENT_ID < 'doc_5'", "rows, not the 240"),
    ],
)
def test_a_damaged_target_makes_the_next_incremental_run_full(session, store, emulator, damage, reason):
    sync(session, "full")
    store.update_document(COLLECTION, store.documents(COLLECTION)[3]["document_id"], {"metadata": {"y": 2}})
    session.sql(damage).collect()
    summary = sync(session)
    assert summary["mode"] == "full" and reason in summary["reason"]
    assert_matches_truth(session, store)
    assert labels_of(session, "MIXPEEK_DOCUMENTS") == expected_labels(store.documents(COLLECTION))
    assert sync(session)["mode"] == "incremental"


def test_dry_run_on_a_fresh_schema_writes_only_its_run_row(session, store, emulator):
    session.sql("CREATE SCHEMA FRESH").collect()
    summary = sync(session, "full", target="FRESH.DOCS", dry_run=True)
    assert summary["status"] == "SUCCEEDED" and summary["inserted"] == 240 and summary["deleted"] == 0
    tables = [r["TABLE_NAME"] for r in query(session, "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES "
                                              "WHERE TABLE_SCHEMA = 'FRESH'")]  # fmt: skip
    assert tables == ["MIXPEEK_SYNC_RUNS"]
    assert summary["would_create"][0] == "DOCS" and "MIXPEEK_SYNC_STATE" in summary["would_create"]
    assert query(session, "SELECT STATUS, DRY_RUN FROM FRESH.MIXPEEK_SYNC_RUNS") == [
        {"STATUS": "SUCCEEDED", "DRY_RUN": True}
    ]


def test_dry_run_plans_an_incremental_run_as_the_run_does(session, store, emulator):
    sync(session, "full")
    ids = [d["document_id"] for d in store.documents(COLLECTION)]
    store.update_document(COLLECTION, ids[0], {"metadata": {"z": 3}})
    store.delete_document(COLLECTION, ids[1])
    store.add_document(COLLECTION)
    planned = sync(session, dry_run=True)
    done = sync(session)
    keys = ("mode", "inserted", "updated", "deleted")
    assert [planned[k] for k in keys] == [done[k] for k in keys] == ["incremental", 1, 1, 1]


@pytest.mark.parametrize(
    ("target", "problem"),
    [
        ("MIXPEEK_SYNC_RUNS", "bundle's own tables"),
        ("MIXPEEK_DOCUMENT_LABELS", "bundle's own tables"),
        ("MIXPEEK_ENRICH_STATE", "bundle's own tables"),
        ("NO_SUCH_SCHEMA.DOCS", "does not exist"),
        ("A_VIEW", "is a view"),
        ("FOREIGN_TABLE", "no sync made it"),
    ],
)
def test_unfit_targets_are_refused_before_any_request(session, emulator, target, problem):
    session.sql("CREATE TABLE FOREIGN_TABLE (ID INT)").collect()
    session.sql("CREATE VIEW A_VIEW AS SELECT * FROM FOREIGN_TABLE").collect()
    with pytest.raises(InvalidArgument, match=problem) as caught:
        sync(session, "full", target=target)
    assert caught.value.argument == "target_table"
    assert emulator.request_count() == 0
    names = {r["TABLE_NAME"] for r in query(session, "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES "
                                            "WHERE TABLE_SCHEMA = CURRENT_SCHEMA()")}  # fmt: skip
    assert names - {"A_VIEW"} == {"FOREIGN_TABLE"}


def test_reset_forgets_the_definition_and_the_next_run_resyncs_from_scratch(session, store, emulator):
    sync(session, "full", filters=OUT_OF_STOCK)
    sync(session, target="OTHER_TARGET")
    other_state = query(session, "SELECT * FROM MIXPEEK_SYNC_STATE WHERE TARGET_TABLE LIKE '%.OTHER_TARGET'")
    reset = reset_mixpeek_sync(session, COLLECTION)
    assert (reset["status"], reset["state_rows_deleted"]) == ("RESET", 1)
    assert query(session, "SELECT * FROM MIXPEEK_SYNC_STATE WHERE TARGET_TABLE LIKE '%.OTHER_TARGET'") == other_state
    assert query(session, "SELECT COUNT(*) AS N FROM MIXPEEK_SYNC_STATE") == [{"N": 1}]
    session.sql(
        "DELETE FROM MIXPEEK_DOCUMENT_LABELS WHERE TARGET_TABLE LIKE '%.MIXPEEK_DOCUMENTS' AND RANK = 1"
    ).collect()
    summary = sync(session)
    assert summary["mode"] == "full" and "reset_mixpeek_sync" in summary["reason"]
    assert summary["definition"]["filters"] is None
    assert_matches_truth(session, store)
    assert labels_of(session, "MIXPEEK_DOCUMENTS") == expected_labels(store.documents(COLLECTION))


def test_reset_is_refused_while_a_run_holds_the_lease_and_is_a_no_op_for_an_unknown_pair(session, store, emulator):
    sync(session, "full")
    session.sql(
        "UPDATE MIXPEEK_SYNC_STATE SET LEASE_RUN_ID = 'run_live', "
        "LEASE_EXPIRES_AT = DATEADD(hour, 1, CURRENT_TIMESTAMP()::TIMESTAMP_NTZ)"
    ).collect()
    before = snapshot(session, "MIXPEEK_SYNC_STATE")
    with pytest.raises(MixpeekSnowflakeError, match="run_live"):
        reset_mixpeek_sync(session, COLLECTION)
    assert snapshot(session, "MIXPEEK_SYNC_STATE") == before
    unknown = reset_mixpeek_sync(session, "col_unknown0001")
    assert unknown["state_rows_deleted"] == 0 and "no state" in unknown["note"]
    with pytest.raises(InvalidArgument, match="bundle's own tables"):
        reset_mixpeek_sync(session, COLLECTION, "MIXPEEK_SYNC_STATE")


NEW_COLUMNS = {
    "MIXPEEK_SYNC_STATE": ("DEFINITION", "TARGET_ROWS", "TARGET_CREATED"),
    "MIXPEEK_SYNC_RUNS": ("REASON", "DEFINITION", "OPTIONS", "USER_NAME", "ROLE_NAME", "QUERY_ID"),
    "MIXPEEK_DOCUMENT_LABELS": ("TARGET_TABLE",),
}


def columns_of(session, table):
    sql = "SELECT COLUMN_NAME FROM INFORMATION_SCHEMA.COLUMNS WHERE TABLE_NAME = ? AND TABLE_SCHEMA = CURRENT_SCHEMA()"
    return {r["COLUMN_NAME"] for r in query(session, sql, [table])}


def test_tables_of_an_older_version_gain_the_new_columns_and_the_first_run_rebuilds(session, store, emulator):
    sync(session, "full")
    for table, columns in NEW_COLUMNS.items():
        for column in columns:
            session.sql(f"ALTER TABLE {table} DROP COLUMN {column}").collect()
    stale = ("doc_gone", COLLECTION, "tax_x", None, None, "old", None, 1, None, None, "run_old", None)
    session.sql(f"INSERT INTO MIXPEEK_DOCUMENT_LABELS VALUES ({', '.join('?' * len(stale))})", params=stale).collect()
    planned = sync(session, dry_run=True)
    assert planned["unchanged"] == 240 and "no row count was recorded" in planned["reason"]
    assert not set(NEW_COLUMNS["MIXPEEK_SYNC_STATE"]) & columns_of(session, "MIXPEEK_SYNC_STATE")
    summary = sync(session)
    assert summary["status"] == "SUCCEEDED" and summary["mode"] == "full"
    assert "no row count was recorded" in summary["reason"]
    for table, columns in NEW_COLUMNS.items():
        assert set(columns) <= columns_of(session, table), table
    assert labels_of(session, "MIXPEEK_DOCUMENTS") == expected_labels(store.documents(COLLECTION))
    assert query(session, "SELECT COUNT(*) AS N FROM MIXPEEK_DOCUMENT_LABELS WHERE TARGET_TABLE IS NULL") == [{"N": 0}]
    assert sync(session)["mode"] == "incremental"
