"""The ingestion's test world: a stage folder on the local engine, the emulator with a bucket and a collection."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from local_world import fresh_session, never_sleeping, serving

from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.emulator.buckets import BucketState, add_bucket, state_of
from mixpeek_local.engine import strict
from mixpeek_local.engine.stages import LocalStages, StagedSession
from mixpeek_snowflake import procedures

API_KEY = "mxp_ingest_canary_key_51d2e8"
NAMESPACE = "ns_demo"
COLLECTION = "col_ingest0001"
BUCKET = "bkt_ingest0001"
STAGE = "MEDIA"
BOTH_ENGINES = pytest.mark.parametrize("world", ["plain", "strict"], indirect=True)
FILE_TYPES = {"image": "image", "video": "video", "audio": "audio", "pdf": "pdf", "text": "text"}


@dataclass
class World:
    """Everything one test touches: the folder behind the stage, the session, the emulator and its state."""

    folder: Path
    stages: LocalStages
    session: StagedSession
    store: Store
    emulator: Emulator
    strict: bool = False
    caller: strict.Caller | None = None

    @property
    def buckets(self) -> BucketState:
        return state_of(self.store)

    def write(self, path: str, data: bytes) -> None:
        """Put a file on the stage (the directory table sees it after refresh())."""
        target = self.folder / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)

    def refresh(self) -> None:
        """ALTER STAGE … REFRESH, as a user runs it after changing files."""
        self.session.sql(f"ALTER STAGE {STAGE} REFRESH").collect()

    def ingest(self, stage: str = f"@{STAGE}", bucket: str = BUCKET, **options: Any) -> dict[str, Any]:
        """CALL ingest_stage_files through the very handler Snowflake runs (under the strict engine when asked)."""
        given = options or None
        if self.strict:
            caller = self.caller or strict.caller_from_environment()
            return strict.call(procedures.ingest_stage_files, self.session, stage, bucket, given, caller=caller)
        return procedures.ingest_stage_files(self.session, stage, bucket, given)

    def rows(self, sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        return [row.as_dict() for row in self.session.sql(sql, params=params).collect()]

    def files(self) -> dict[str, dict[str, Any]]:
        """MIXPEEK_STAGE_FILES by path."""
        return {r["RELATIVE_PATH"]: r for r in self.rows("SELECT * FROM MIXPEEK_STAGE_FILES")}

    def objects(self) -> dict[str, dict[str, Any]]:
        """The emulator's live objects of the bucket, by their snowflake_path."""
        with self.buckets.lock:
            return {o["snowflake_path"]: o for o in self.buckets.objects[BUCKET].values()}

    def every_table_text(self) -> str:
        """Every value of every table of the schema, as text: where a leaked URL would show."""
        tables = self.rows(
            "SELECT TABLE_NAME FROM INFORMATION_SCHEMA.TABLES WHERE TABLE_SCHEMA = CURRENT_SCHEMA() "
            "AND TABLE_TYPE = 'BASE TABLE'"
        )
        return json.dumps([self.rows(f'SELECT * FROM "{t["TABLE_NAME"]}"') for t in tables], default=str)


def sample_files() -> dict[str, bytes]:
    """Generated sample files: small images, a PDF, a text note, in two folders."""
    return {
        "products/red-shoe.jpg": b"\xff\xd8\xff\xe0" + b"red shoe pixels " * 20,
        "products/blue-bag.png": b"\x89PNG\r\n\x1a\n" + b"blue bag pixels " * 20,
        "products/green-hat.jpg": b"\xff\xd8\xff\xe0" + b"green hat pixels " * 20,
        "docs/catalog.pdf": b"%PDF-1.4\n" + b"catalog page " * 30,
        "docs/notes.txt": b"spring collection notes\n" * 5,
    }


@contextmanager
def ingest_world(engine: dict[str, Any], tmp: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[World]:
    """A fresh database with a local stage over tmp/stage, and the emulator with the bucket and a collection."""
    store = Store()
    seed_collection(store, documents=3, seed=11, namespace=NAMESPACE, collection_id=COLLECTION)
    add_bucket(store, BUCKET, FILE_TYPES, NAMESPACE)
    folder = tmp / "stage"
    folder.mkdir()
    never_sleeping(monkeypatch, [])
    with fresh_session(engine, "INGEST") as session, LocalStages() as stages:
        database = session.sql("SELECT CURRENT_DATABASE()").collect()[0][0]
        world = World(folder, stages, stages.attach(session), store, None)  # type: ignore[arg-type]
        for path, data in sample_files().items():
            world.write(path, data)
        stages.add(f"{database}.PUBLIC.{STAGE}", folder)
        with serving(store, monkeypatch, API_KEY, NAMESPACE) as emulator:
            world.emulator = emulator
            yield world
