"""The demo: a seeded Mixpeek emulator, the local engine, syncs, views, an enrichment and a search."""

from __future__ import annotations

import random
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from mixpeek_local.demo.ingest import show_ingest
from mixpeek_local.demo.roundtrip import RETRIEVER, show_enrich, show_search
from mixpeek_local.demo.views import show_views
from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.emulator.retrievers import seed_retriever
from mixpeek_local.engine.server import local_session
from mixpeek_local.environment import environment
from mixpeek_local.output import rows_as_dicts, table
from mixpeek_snowflake.procedures import sync_mixpeek_collection

COLLECTION_ID = "col_demo000001"
NAMESPACE = "ns_demo"
API_KEY = "mxp_demo_key"

GLANCES = {
    "Documents by modality": (
        "SELECT MODALITY, COUNT(*) AS DOCUMENTS, COUNT_IF(IS_DELETED) AS DELETED, "
        "ROUND(AVG(SIZE_BYTES)) AS AVG_SIZE_BYTES FROM MIXPEEK_DOCUMENTS GROUP BY MODALITY ORDER BY MODALITY"
    ),
    "A few rows": (
        "SELECT DOCUMENT_ID, MODALITY, MIME_TYPE, METADATA:brand::VARCHAR AS BRAND, "
        "METADATA:price::FLOAT AS PRICE, UPDATED_AT, IS_DELETED FROM MIXPEEK_DOCUMENTS "
        "ORDER BY UPDATED_AT DESC, DOCUMENT_ID LIMIT 5"
    ),
    "Top labels by taxonomy (MIXPEEK_DOCUMENT_LABELS, best match)": (
        "SELECT TAXONOMY_NAME, LABEL, COUNT(*) AS DOCUMENTS, ROUND(AVG(SCORE), 3) AS AVG_SCORE "
        "FROM MIXPEEK_DOCUMENT_LABELS WHERE RANK = 1 GROUP BY TAXONOMY_NAME, LABEL "
        "QUALIFY ROW_NUMBER() OVER (PARTITION BY TAXONOMY_NAME ORDER BY COUNT(*) DESC, LABEL) <= 4 "
        "ORDER BY TAXONOMY_NAME, DOCUMENTS DESC, LABEL"
    ),
    "Run log (MIXPEEK_SYNC_RUNS)": (
        "SELECT RUN_ID, MODE, STATUS, DOCUMENTS_SEEN, INSERTED, UPDATED, UNCHANGED, DELETED, PAGES, "
        "API_REQUESTS, DURATION_SECONDS FROM MIXPEEK_SYNC_RUNS ORDER BY STARTED_AT"
    ),
}
SUMMARY_KEYS = (
    "mode",
    "documents_seen",
    "inserted",
    "updated",
    "unchanged",
    "deleted",
    "rejected",
    "labels_written",
    "pages",
    "api_requests",
    "sql_statements",
    "duration_seconds",
)


def change_collection(store: Store, rng: random.Random, updates: int, deletes: int, adds: int) -> None:
    """Update, delete and add documents, as Mixpeek processing would between two syncs."""
    ids = [doc["document_id"] for doc in store.documents(COLLECTION_ID)]
    chosen = rng.sample(ids, updates + deletes)
    for document_id in chosen[:updates]:
        store.update_document(COLLECTION_ID, document_id, {"metadata": {"price": round(rng.uniform(5, 500), 2)}})
    for document_id in chosen[updates:]:
        store.delete_document(COLLECTION_ID, document_id)
    for _ in range(adds):
        store.add_document(COLLECTION_ID)


def print_summary(title: str, summary: dict[str, Any], say: Callable[[str], None]) -> None:
    say(f"\n== {title}: run {summary['run_id']} {summary['status']}")
    say(table([{key: summary[key] for key in SUMMARY_KEYS}]))


def glance(session: Any, say: Callable[[str], None]) -> None:
    """Print a few queries a data engineer would run after a sync."""
    for title, query in GLANCES.items():
        say(f"\n== {title}")
        say(table(rows_as_dicts(session.sql(query).collect())))


@contextmanager
def local_folder(local_dir: Path | None) -> Iterator[Path]:
    """local_dir (created if needed, kept afterwards), or a temporary folder removed afterwards."""
    if local_dir is not None:
        local_dir.mkdir(parents=True, exist_ok=True)
        yield local_dir
        return
    with tempfile.TemporaryDirectory(prefix="mixpeek-demo-") as scratch:
        yield Path(scratch)


def where_the_data_is(folder: Path, kept: bool) -> str:
    """The demo's last words: where its tables are, or that they were temporary and how to keep them."""
    if kept:
        return (
            f"\nThe local engine's tables are kept in {folder}. Query them with:\n"
            f'  mixpeek-snowflake sql --local-dir {folder} "SELECT COUNT(*) FROM MIXPEEK_DOCUMENTS"\n'
            f"  mixpeek-snowflake runs --local-dir {folder}"
        )
    return (
        f"\nThe local engine's tables were in a temporary folder ({folder}), now deleted. "
        "Keep them with: mixpeek-snowflake demo --local-dir DIR"
    )


def run_demo(documents: int = 3000, local_dir: Path | None = None, say: Callable[[str], None] = print) -> None:
    """Seed, sync, change, sync again, show the tables and views, enrich, search; say where the data is."""
    store = Store()
    seed_collection(store, documents=documents, seed=7, namespace=NAMESPACE, collection_id=COLLECTION_ID)
    seed_retriever(store, COLLECTION_ID, retriever_id=RETRIEVER)
    with local_folder(local_dir) as folder:
        with (
            Emulator(store, api_key=API_KEY) as emulator,
            environment(MIXPEEK_API_KEY=API_KEY, MIXPEEK_BASE_URL=emulator.base_url, MIXPEEK_NAMESPACE=NAMESPACE),
            local_session(folder) as session,
        ):
            say(f"Mixpeek emulator at {emulator.base_url}: {documents} documents in {COLLECTION_ID}")
            say(f"Local Snowflake engine (fakesnow) under {folder}")
            say(f"\nCALL sync_mixpeek_collection('{COLLECTION_ID}', 'MIXPEEK_DOCUMENTS', 'full')")
            print_summary("Full sync", sync_mixpeek_collection(session, COLLECTION_ID, mode="full"), say)
            change_collection(store, random.Random(11), updates=40, deletes=12, adds=25)
            say("\nIn Mixpeek: 40 documents updated, 12 deleted, 25 added.")
            say(f"CALL sync_mixpeek_collection('{COLLECTION_ID}')   -- incremental, the default")
            print_summary("Incremental sync", sync_mixpeek_collection(session, COLLECTION_ID), say)
            print_summary("Rerun, nothing changed", sync_mixpeek_collection(session, COLLECTION_ID), say)
            glance(session, say)
            show_views(session, say, COLLECTION_ID)
            show_enrich(session, say, COLLECTION_ID)
            show_search(say, RETRIEVER)
            show_ingest(session, store, say, COLLECTION_ID, folder)
        say(where_the_data_is(folder, kept=local_dir is not None))
