"""The demo's way back and its search: Snowflake attributes into Mixpeek metadata, then a retriever queried from SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from mixpeek_local.output import rows_as_dicts, table
from mixpeek_snowflake.functions import MixpeekSearch
from mixpeek_snowflake.procedures import enrich_mixpeek_documents, sync_mixpeek_collection
from mixpeek_snowflake.search.retrieval import COLUMNS

SOURCE = "DEMO_CUSTOMER_TIERS"
ENRICHED = 6
RETRIEVER = "ret_demo000001"
QUERY = "red hiking boot"
ENRICH_KEYS = ("status", "rows_read", "documents_matched", "sent", "unchanged", "failed", "batches", "api_requests")


def source_table(session: Any, documents: int = ENRICHED) -> None:
    """A small Snowflake table of attributes keyed by DOCUMENT_ID, as a CRM extract would be."""
    session.sql(
        f"CREATE OR REPLACE TABLE {SOURCE} AS SELECT DOCUMENT_ID, "
        "CASE MOD(ROW_NUMBER() OVER (ORDER BY DOCUMENT_ID), 3) WHEN 1 THEN 'platinum' WHEN 2 THEN 'gold' "
        "ELSE 'silver' END AS TIER, ROUND(100 + 37.5 * ROW_NUMBER() OVER (ORDER BY DOCUMENT_ID), 2) AS LTV "
        f"FROM MIXPEEK_DOCUMENTS WHERE NOT IS_DELETED ORDER BY DOCUMENT_ID LIMIT {documents}"
    ).collect()


def show_enrich(session: Any, say: Callable[[str], None], collection_id: str) -> dict[str, Any]:
    """CALL enrich_mixpeek_documents, then sync to see the new metadata come back into Snowflake."""
    source_table(session)
    say(f"\n== Enrich: Snowflake attributes into Mixpeek metadata ({SOURCE}, keyed by DOCUMENT_ID)")
    say(f"CALL enrich_mixpeek_documents('{collection_id}', '{SOURCE}', 'DOCUMENT_ID')")
    summary = enrich_mixpeek_documents(session, collection_id, SOURCE, "DOCUMENT_ID")
    say(table([{key: summary.get(key) for key in ENRICH_KEYS}]))
    say(f"Columns → metadata: {', '.join(f'{c} → {p}' for c, p in summary['columns'].items())}")
    say(f"\nCALL sync_mixpeek_collection('{collection_id}')   -- the enriched documents come back updated")
    synced = sync_mixpeek_collection(session, collection_id)
    say(table([{key: synced[key] for key in ("status", "mode", "documents_seen", "updated", "unchanged")}]))
    query = (
        "SELECT DOCUMENT_ID, METADATA:sf_tier::VARCHAR AS SF_TIER, METADATA:sf_ltv::FLOAT AS SF_LTV "
        "FROM MIXPEEK_DOCUMENTS WHERE METADATA:sf_tier IS NOT NULL ORDER BY DOCUMENT_ID"
    )
    say(f"\n{query}")
    say(table(rows_as_dicts(session.sql(query).collect())))
    return summary


def show_search(say: Callable[[str], None], retriever: str = RETRIEVER, query: str = QUERY) -> list[dict[str, Any]]:
    """Run the mixpeek_search table function's handler, as SELECT … FROM TABLE(mixpeek_search(…)) would."""
    say("\n== Search: a Mixpeek retriever from SQL")
    say(f"SELECT * FROM TABLE(mixpeek_search('{retriever}', '{query}', {{'limit': 5}}))")
    handler = MixpeekSearch()
    rows = [dict(zip(COLUMNS, row, strict=True)) for row in handler.process(retriever, query, {"limit": 5})]
    shown = [
        {
            "RANK": r["RANK"],
            "DOCUMENT_ID": r["DOCUMENT_ID"],
            "SCORE": round(r["SCORE"], 3) if r["SCORE"] is not None else None,
            "TITLE": (r["METADATA"] or {}).get("title"),
            "PRICE": (r["METADATA"] or {}).get("price"),
        }
        for r in rows
    ]
    say(table(shown))
    return rows
