"""The demo's data for the app: syncs, changes, an enrichment with a failure, a failed target, the health views."""

from __future__ import annotations

import contextlib
import random
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml  # type: ignore[import-untyped]

from mixpeek_local.demo.roundtrip import RETRIEVER, SOURCE, source_table
from mixpeek_local.demo.run import COLLECTION_ID, NAMESPACE, change_collection
from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.emulator.faults import Fault
from mixpeek_local.emulator.retrievers import seed_retriever
from mixpeek_local.engine import strict
from mixpeek_snowflake.procedures import enrich_mixpeek_documents, sync_mixpeek_collection

REPO = Path(__file__).resolve().parents[3]
# The real health views once they are merged, else the tests' stand-in with the same columns.
HEALTH_SQL = (REPO / "sql" / "65_health.sql", REPO / "tests" / "app" / "stand_in_health.sql")
FAILED_TARGET = "MIXPEEK_DOCUMENTS_ARCHIVE"
FAILURE_MESSAGE = "filter field metadata.colour does not exist in this collection"
MISSING_DOCUMENT = "doc_000000000000"
_TEMPLATE = re.compile(r"<%\s*ctx\.env\.(\w+)\s*%>")


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


def health_sql() -> Path:
    """The first of HEALTH_SQL that exists."""
    return next(path for path in HEALTH_SQL if path.exists())


def statements(text: str, env: dict[str, str]) -> list[str]:
    """The file's statements, one by one, with <% ctx.env.NAME %> rendered and comment lines dropped."""
    rendered = _TEMPLATE.sub(lambda match: env[match.group(1)], text)
    lines = [line for line in rendered.splitlines() if not line.lstrip().startswith("--")]
    return [part.strip() for part in "\n".join(lines).split(";") if part.strip()]


def create_health_views(session: Any, path: Path | None = None) -> None:
    """Create the health views in the session's schema (database and schema rendered as the session's)."""
    row = session.sql("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()").collect()[0]
    env = {str(k): str(v) for k, v in yaml.safe_load((REPO / "snowflake.yml").read_text())["env"].items()}
    env.update(database=str(row[0]), schema=str(row[1]))
    for statement in statements((path or health_sql()).read_text(), env):
        session.sql(statement).collect()
