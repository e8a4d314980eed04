"""The demo's ingestion: generated files on a local stage sent to a Mixpeek bucket, and their features back in SQL."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from mixpeek_local.emulator import Store
from mixpeek_local.emulator.buckets import DEMO_BUCKET, DEMO_PROPERTIES, add_bucket
from mixpeek_local.engine.stages import LocalStages
from mixpeek_local.output import rows_as_dicts, table
from mixpeek_snowflake.procedures import ingest_stage_files, sync_mixpeek_collection

BUCKET = DEMO_BUCKET
STAGE = "PRODUCT_MEDIA"
VIEWS_SQL = Path(__file__).resolve().parents[3] / "sql" / "70_ingest.sql"
INGEST_KEYS = ("status", "files_seen", "created", "unchanged", "failed", "batch_ids", "api_requests", "sql_statements")
JOINED = (
    "SELECT RELATIVE_PATH, FILE_STATUS, OBJECT_ID, DOCUMENT_ID, MODALITY, DOCUMENT_STAGE_PATH, "
    "LEFT(FILE_ERROR, 60) AS FILE_ERROR FROM MIXPEEK_STAGE_FILE_DOCUMENTS ORDER BY RELATIVE_PATH"
)
LABELS = (
    "SELECT RELATIVE_PATH, LABEL, ROUND(SCORE, 3) AS SCORE FROM MIXPEEK_STAGE_FILE_LABELS WHERE RANK = 1 "
    "ORDER BY RELATIVE_PATH, LABEL LIMIT 8"
)


def sample_files(folder: Path, seed: int = 5) -> list[str]:
    """Write a few small generated files (images, a PDF, a note, and one empty file that will fail) under folder."""
    rng = random.Random(seed)
    files = {
        f"products/{name}": header + bytes(rng.randrange(256) for _ in range(512))
        for name, header in (
            ("red-boot.jpg", b"\xff\xd8\xff\xe0"),
            ("blue-bag.jpg", b"\xff\xd8\xff\xe0"),
            ("green-hat.png", b"\x89PNG\r\n\x1a\n"),
            ("black-watch.png", b"\x89PNG\r\n\x1a\n"),
        )
    }
    files["docs/spring-catalog.pdf"] = b"%PDF-1.4\n" + b"catalog page\n" * 40
    files["docs/buyer-notes.txt"] = b"spring buyer notes\n" * 10
    files["broken/empty.jpg"] = b""
    for path, data in files.items():
        target = folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return sorted(files)


def create_join_views(session: Any) -> bool:
    """Run sql/70_ingest.sql's views in the session's schema (its placeholders filled); False without the file."""
    if not VIEWS_SQL.exists():
        return False
    database, schema = session.sql("SELECT CURRENT_DATABASE(), CURRENT_SCHEMA()").collect()[0]
    values = {"database": database, "schema": schema, "target_table": "MIXPEEK_DOCUMENTS"}
    text = re.sub(
        r"<%\s*ctx\.env\.(\w+)\s*%>", lambda m: str(values.get(m.group(1), m.group(0))), VIEWS_SQL.read_text()
    )
    code = "\n".join(line for line in text.splitlines() if not line.lstrip().startswith("--"))
    for statement in (s.strip() for s in code.split(";")):
        if statement and not statement.upper().startswith("USE ROLE"):
            session.sql(statement).collect()
    return True


def show_ingest(session: Any, store: Store, say: Callable[[str], None], collection_id: str, folder: Path) -> dict:
    """Files → Mixpeek → Snowflake: ingest a local stage into a bucket, sync, and join each file to its features."""
    namespace = store.namespace_of(collection_id)
    add_bucket(store, BUCKET, DEMO_PROPERTIES, namespace)
    stage_folder = folder / "stage-files"
    paths = sample_files(stage_folder)
    database = session.sql("SELECT CURRENT_DATABASE()").collect()[0][0]
    with LocalStages() as stages:
        stages.add(f"{database}.PUBLIC.{STAGE}", stage_folder)
        staged = stages.attach(session)
        say(f"\n== Ingest: {len(paths)} generated files on stage @{STAGE} (a local folder) → bucket {BUCKET}")
        say(f"CALL ingest_stage_files('@{STAGE}', '{BUCKET}', {{'collection': '{collection_id}'}})")
        summary = ingest_stage_files(staged, f"@{STAGE}", BUCKET, {"collection": collection_id})
        say(table([{key: summary[key] for key in INGEST_KEYS}]))
        if summary["status"] == "PARTIAL":
            say("PARTIAL: broken/empty.jpg is empty on purpose; its MIXPEEK_STAGE_FILES row says why, reruns retry it")
        say("Rerun: unchanged files are not sent again")
        rerun = ingest_stage_files(staged, f"@{STAGE}", BUCKET, {"collection": collection_id})
        say(table([{key: rerun[key] for key in INGEST_KEYS}]))
    say(f"\nCALL sync_mixpeek_collection('{collection_id}')   -- the features come back")
    synced = sync_mixpeek_collection(session, collection_id)
    say(table([{key: synced[key] for key in ("status", "mode", "documents_seen", "inserted", "labels_written")}]))
    if create_join_views(session):
        say(f"\n{JOINED}")
        say(table(rows_as_dicts(session.sql(JOINED).collect())))
        say(f"\n{LABELS}")
        say(table(rows_as_dicts(session.sql(LABELS).collect())))
    return summary
