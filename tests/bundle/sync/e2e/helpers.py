"""Helpers for end-to-end tests: call the handler, read tables, compare them with the emulator's truth."""

from __future__ import annotations

import json
from typing import Any

from local_world import sync_mixpeek_collection

from mixpeek_local.emulator import Store

COLLECTION = "col_e2etest001"
NAMESPACE = "ns_demo"
API_KEY = "mxp_e2e_canary_key_7f3a9c"


def sync(session: Any, mode: str = "incremental", target: str = "MIXPEEK_DOCUMENTS", **options: Any) -> dict[str, Any]:
    """CALL sync_mixpeek_collection through the very handler Snowflake runs."""
    return sync_mixpeek_collection(session, COLLECTION, target, mode, options or None)


def query(session: Any, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
    return [row.as_dict() for row in session.sql(sql, params=params).collect()]


def snapshot(session: Any, table: str) -> list[tuple[Any, ...]]:
    """Every row of a table, sorted, for before/after comparisons."""
    return sorted(tuple(str(v) for v in row) for row in session.sql(f"SELECT * FROM {table}").collect())


def live_rows(session: Any, table: str = "MIXPEEK_DOCUMENTS") -> dict[str, dict[str, Any]]:
    """Rows not marked deleted, keyed by document id, with DOCUMENT parsed."""
    rows = query(session, f"SELECT DOCUMENT_ID, DOCUMENT FROM {table} WHERE NOT IS_DELETED")
    return {r["DOCUMENT_ID"]: json.loads(r["DOCUMENT"]) for r in rows}


def assert_matches_truth(session: Any, store: Store, table: str = "MIXPEEK_DOCUMENTS") -> None:
    """The table holds exactly the emulator's documents, byte for byte, and flags every other row deleted."""
    truth = {doc["document_id"]: doc for doc in store.documents(COLLECTION)}
    live = live_rows(session, table)
    assert sorted(live) == sorted(truth)
    for document_id, doc in truth.items():
        assert live[document_id] == doc, document_id
    total = query(session, f"SELECT COUNT(*) AS N, COUNT(DISTINCT DOCUMENT_ID) AS D FROM {table}")[0]
    assert total["N"] == total["D"]
