"""Enrich and view builds log their runs in MIXPEEK_OPERATION_RUNS, and MIXPEEK_RUNS shows them beside the syncs;
an enrichment with failed rows ends PARTIAL, and with {"strict": true} it raises so a Task fails."""

from __future__ import annotations

import json
from typing import Any

import pytest

from mixpeek_snowflake.enrich.engine import EnrichmentFailed
from mixpeek_snowflake.operate.statements import health_tables, health_views, quoted_schema
from mixpeek_snowflake.procedures import create_mixpeek_views, enrich_mixpeek_documents, sync_mixpeek_collection

COLLECTION = "col_loop000001"
PRICES = [("DOC_ID", "VARCHAR"), ("PRICE", "NUMBER(10,2)")]
COLUMNS = "KIND, RUN_ID, COLLECTION_ID, TARGET, STATUS, DRY_RUN, DOCUMENTS, FAILED, ERROR"


def _runs(rows_of: Any) -> list[dict[str, Any]]:
    return rows_of(f"SELECT {COLUMNS} FROM MIXPEEK_OPERATION_RUNS ORDER BY STARTED_AT, RUN_ID")


def _mixed(load: Any, doc_ids: list[str]) -> None:
    rows = [{"DOC_ID": doc_ids[0], "PRICE": 10}, {"DOC_ID": doc_ids[1], "PRICE": 11}, {"DOC_ID": "doc_ffffffffffff"}]
    load("PRICES", PRICES, [*rows, {"DOC_ID": None, "PRICE": 3}])


def test_an_enrichment_with_failed_rows_ends_partial_and_is_logged(
    session: Any, emulator: Any, load: Any, doc_ids: list[str], rows_of: Any
) -> None:
    _mixed(load, doc_ids)

    summary = enrich_mixpeek_documents(session, COLLECTION, "PRICES", "DOC_ID")

    assert (summary["status"], summary["sent"], summary["failed"]) == ("PARTIAL", 2, 2)
    expected = {"KIND": "enrich", "RUN_ID": summary["run_id"], "COLLECTION_ID": COLLECTION}
    expected |= {"TARGET": summary["source"], "STATUS": "PARTIAL", "DRY_RUN": False, "DOCUMENTS": 2, "FAILED": 2}
    assert _runs(rows_of) == [{**expected, "ERROR": None}]
    kept = json.loads(rows_of("SELECT SUMMARY FROM MIXPEEK_OPERATION_RUNS")[0]["SUMMARY"])
    assert (kept["run_id"], kept["status"], kept["failed"]) == (summary["run_id"], "PARTIAL", 2)


def test_strict_makes_a_partial_enrichment_raise_and_keeps_what_mixpeek_confirmed(
    session: Any, emulator: Any, load: Any, doc_ids: list[str], rows_of: Any
) -> None:
    _mixed(load, doc_ids)

    with pytest.raises(EnrichmentFailed, match=r"ended PARTIAL: 2 row\(s\) or document\(s\) failed .*strict"):
        enrich_mixpeek_documents(session, COLLECTION, "PRICES", "DOC_ID", {"strict": True})

    assert [(r["STATUS"], r["DOCUMENTS"], r["FAILED"]) for r in _runs(rows_of)] == [("PARTIAL", 2, 2)]
    assert len(rows_of("SELECT * FROM MIXPEEK_ENRICH_STATE")) == 2


def test_a_clean_enrichment_succeeds_even_when_strict_and_a_dry_run_logs_nothing(
    session: Any, emulator: Any, load: Any, doc_ids: list[str], rows_of: Any
) -> None:
    load("PRICES", PRICES, [{"DOC_ID": doc_ids[0], "PRICE": 10}])

    dry = enrich_mixpeek_documents(session, COLLECTION, "PRICES", "DOC_ID", {"dry_run": True})
    summary = enrich_mixpeek_documents(session, COLLECTION, "PRICES", "DOC_ID", {"strict": True})

    assert (dry["status"], summary["status"], summary["sent"]) == ("SUCCEEDED", "SUCCEEDED", 1)
    assert [(r["RUN_ID"], r["STATUS"], r["FAILED"]) for r in _runs(rows_of)] == [(summary["run_id"], "SUCCEEDED", 0)]


def test_an_enrichment_that_fails_is_logged_failed_with_its_error(
    session: Any, emulator: Any, load: Any, doc_ids: list[str], rows_of: Any
) -> None:
    load("PRICES", PRICES, [{"DOC_ID": doc_ids[0], "PRICE": 10}])

    with pytest.raises(Exception, match="col_nothere0001"):
        enrich_mixpeek_documents(session, "col_nothere0001", "PRICES", "DOC_ID")

    [row] = _runs(rows_of)
    assert (row["KIND"], row["STATUS"], row["COLLECTION_ID"], row["DOCUMENTS"]) == (
        "enrich",
        "FAILED",
        "col_nothere0001",
        None,
    )
    assert "col_nothere0001" in row["ERROR"] and row["RUN_ID"].startswith("enrich_")


def test_view_builds_are_logged_and_every_kind_shows_in_mixpeek_runs(
    session: Any, emulator: Any, load: Any, doc_ids: list[str], rows_of: Any
) -> None:
    synced = sync_mixpeek_collection(session, COLLECTION, "MIXPEEK_DOCUMENTS", "full", None)
    built = create_mixpeek_views(session, COLLECTION, {"sample_rows": 20})
    load("PRICES", PRICES, [{"DOC_ID": doc_ids[0], "PRICE": 10}])
    enriched = enrich_mixpeek_documents(session, COLLECTION, "PRICES", "DOC_ID")
    database, schema = rows_of("SELECT CURRENT_DATABASE() AS D, CURRENT_SCHEMA() AS S")[0].values()
    for ddl in health_tables(database, schema) + health_views(quoted_schema(database, schema)):
        session.sql(ddl).collect()

    rows = rows_of("SELECT KIND, RUN_ID, STATUS, DOCUMENTS, FAILED, ERROR FROM MIXPEEK_RUNS ORDER BY STARTED_AT")

    assert rows == [
        {
            "KIND": "sync",
            "RUN_ID": synced["run_id"],
            "STATUS": "SUCCEEDED",
            "DOCUMENTS": 40,
            "FAILED": 0,
            "ERROR": None,
        },
        {
            "KIND": "views",
            "RUN_ID": built["run_id"],
            "STATUS": "SUCCEEDED",
            "DOCUMENTS": 20,
            "FAILED": 0,
            "ERROR": None,
        },
        {
            "KIND": "enrich",
            "RUN_ID": enriched["run_id"],
            "STATUS": "SUCCEEDED",
            "DOCUMENTS": 1,
            "FAILED": 0,
            "ERROR": None,
        },
    ]
    target = rows_of("SELECT TARGET FROM MIXPEEK_RUNS WHERE KIND = 'views'")[0]["TARGET"]
    assert target == f"{database}.{schema}.MIXPEEK_DOCUMENTS"
