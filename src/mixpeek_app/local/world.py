"""The demo's data for the app: syncs, changes, an enrichment with a failure, a failed target, the health views."""

from __future__ import annotations

import contextlib
import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mixpeek_local.demo.roundtrip import RETRIEVER, SOURCE, source_table
from mixpeek_local.demo.run import COLLECTION_ID, NAMESPACE, change_collection
from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.emulator.faults import Fault
from mixpeek_local.emulator.retrievers import seed_retriever
from mixpeek_local.engine import strict
from mixpeek_snowflake.operate.statements import health_tables, health_views, quoted_schema
from mixpeek_snowflake.procedures import add_mixpeek_target, enrich_mixpeek_documents, sync_mixpeek_collection

FAILED_TARGET = "MIXPEEK_DOCUMENTS_ARCHIVE"
FAILURE_MESSAGE = "filter field metadata.colour does not exist in this collection"
MISSING_DOCUMENT = "doc_000000000000"


@dataclass(frozen=True)
class World:
    """What the app shows locally, and where: the collection, its retriever, the source table enriched from."""

    collection_id: str = COLLECTION_ID
    retriever: str = RETRIEVER
    source: str = SOURCE
    failed_target: str = FAILED_TARGET

    def defaults(self) -> dict[str, str]:
        """The Search page's first values: a query with results and a table to join them to."""
        return {
            "retriever": self.retriever,
            "query": "red hiking boot",
            "business_table": self.source,
            "business_key": "DOCUMENT_ID",
        }


def seeded_store(documents: int) -> Store:
    """The demo's collection (seed 7) and its retriever."""
    store = Store()
    seed_collection(store, documents=documents, seed=7, namespace=NAMESPACE, collection_id=COLLECTION_ID)
    seed_retriever(store, COLLECTION_ID, retriever_id=RETRIEVER)
    return store


def build(session: Any, store: Store, emulator: Emulator, say: Callable[[str], None] = print) -> World:
    """Full sync, changes, incremental sync, an enrichment with one unmatched key, a failed target, health views.

    Each CALL runs under the strict engine, as Snowflake would run it.
    """
    world = World()
    for target in ("MIXPEEK_DOCUMENTS", world.failed_target):
        strict.call(add_mixpeek_target, session, world.collection_id, target, None)
    full = strict.call(sync_mixpeek_collection, session, world.collection_id, "MIXPEEK_DOCUMENTS", "full")
    say(f"full sync of {world.collection_id}: {full['status']}")
    change_collection(store, random.Random(11), updates=10, deletes=3, adds=5)
    say(f"incremental sync: {strict.call(sync_mixpeek_collection, session, world.collection_id)['status']}")
    source_table(session)
    session.sql(
        f"INSERT INTO {SOURCE} (DOCUMENT_ID, TIER, LTV) VALUES (?, 'gold', 1.0)", params=[MISSING_DOCUMENT]
    ).collect()
    summary = strict.call(enrich_mixpeek_documents, session, world.collection_id, SOURCE, "DOCUMENT_ID")
    say(f"enrichment from {SOURCE}: {summary['status']}, {summary.get('failed')} failed")
    emulator.inject(Fault("status", status=400, message=FAILURE_MESSAGE))
    with contextlib.suppress(Exception):
        strict.call(sync_mixpeek_collection, session, world.collection_id, world.failed_target, "full")
    emulator.clear_faults()
    say(f"sync into {world.failed_target}: FAILED ({FAILURE_MESSAGE})")
    create_health_views(session)
    return world


def create_health_views(session: Any) -> None:
    """The health views (the text sql/65_health.sql deploys, a project test ties them) in the session's schema."""
    database, schema = (str(value) for value in session.sql("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()").collect()[0])
    for statement in health_tables(database, schema) + health_views(quoted_schema(database, schema)):
        session.sql(statement).collect()
