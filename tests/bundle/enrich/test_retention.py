"""Enrich failures older than the retention (default 30 days) are deleted by the next run; dry runs delete nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from local_world import enrich_mixpeek_documents

from mixpeek_snowflake.errors import InvalidArgument

COLLECTION = "col_loop000001"


def ages(days_ago: int) -> str:
    return (datetime.now(UTC) - timedelta(days=days_ago)).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def aged(session, emulator, load, doc_ids, rows_of):
    """A first run creates the tables; then failure rows 40, 29 and 10 days old are added."""
    load("CUSTOMERS", [("DOC_ID", "VARCHAR"), ("TIER", "VARCHAR")], [{"DOC_ID": doc_ids[0], "TIER": "gold"}])
    enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID")
    for run, days in (("run_40", 40), ("run_29", 29), ("run_10", 10)):
        session.sql(
            "INSERT INTO MIXPEEK_ENRICH_FAILURES (RUN_ID, REASON, FAILED_AT) SELECT ?, 'old', TO_TIMESTAMP_NTZ(?)",
            params=[run, ages(days)],
        ).collect()
    return lambda: sorted(r["RUN_ID"] for r in rows_of("SELECT RUN_ID FROM MIXPEEK_ENRICH_FAILURES"))


def test_failures_older_than_30_days_are_deleted(session, aged):
    summary = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"force": True})
    assert summary["failures_expired"] == 1 and aged() == ["run_10", "run_29"]


def test_the_retention_is_an_option(session, aged):
    summary = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"failure_retention_days": 20})
    assert summary["failures_expired"] == 2 and aged() == ["run_10"]


def test_a_dry_run_deletes_nothing(session, aged):
    summary = enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"dry_run": True})
    assert summary["failures_expired"] == 0 and aged() == ["run_10", "run_29", "run_40"]


@pytest.mark.parametrize("days", [0, 3651, 1.5, "30.5", True])
def test_a_bad_retention_is_refused(session, emulator, days):
    with pytest.raises(InvalidArgument, match="option failure_retention_days") as caught:
        enrich_mixpeek_documents(session, COLLECTION, "CUSTOMERS", "DOC_ID", {"failure_retention_days": days})
    assert "expected an integer 1 to 3650" in str(caught.value) and emulator.requests == []
