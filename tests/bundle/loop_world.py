"""Fixtures of the enrich and search suites: a session on fakesnow, the emulator with a retriever, source tables."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from local_world import fresh_session, never_sleeping, serving

from mixpeek_local.emulator import Emulator, Store, seed_collection, seed_retriever

API_KEY = "mxp_loop_canary_key_51c2"
NAMESPACE = "ns_demo"
COLLECTION = "col_loop000001"
RETRIEVER = "ret_loop000001"


@pytest.fixture(scope="session")
def shared_session(engine: dict[str, Any]) -> Iterator[Any]:
    with fresh_session(engine, "LOOP") as session:
        yield session


@pytest.fixture
def session(shared_session: Any) -> Any:
    """The shared session, switched to a fresh schema so every test starts with no tables."""
    schema = f"T_{uuid.uuid4().hex[:10].upper()}"
    shared_session.sql(f'CREATE SCHEMA "{schema}"').collect()
    shared_session.sql(f'USE SCHEMA "{schema}"').collect()
    return shared_session


@pytest.fixture
def store() -> Store:
    store = Store()
    seed_collection(store, documents=40, seed=11, namespace=NAMESPACE, collection_id=COLLECTION)
    seed_retriever(store, COLLECTION, retriever_id=RETRIEVER, retriever_name="loop-search")
    return store


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits the clients asked for; nothing really sleeps."""
    return never_sleeping(monkeypatch, [])


@pytest.fixture
def emulator(store: Store, monkeypatch: pytest.MonkeyPatch, waits: list[float]) -> Iterator[Emulator]:
    with serving(store, monkeypatch, API_KEY, NAMESPACE) as emu:
        yield emu


@pytest.fixture
def doc_ids(store: Store) -> list[str]:
    """The collection's document ids, sorted."""
    return [d["document_id"] for d in store.documents(COLLECTION)]


@pytest.fixture
def rows_of(session: Any) -> Callable[..., list[dict[str, Any]]]:
    """Run a query and return its rows as dicts."""

    def run(sql: str, params: list[Any] | None = None) -> list[dict[str, Any]]:
        return [row.as_dict() for row in session.sql(sql, params=params).collect()]

    return run


@pytest.fixture
def load(session: Any) -> Callable[[str, list[tuple[str, str]], list[dict[str, Any]]], None]:
    """Create a table from (column, type) pairs and fill it from dicts through one bound JSON array."""

    def create(table: str, columns: list[tuple[str, str]], rows: list[dict[str, Any]]) -> None:
        ddl = ", ".join(f"{name} {kind}" for name, kind in columns)
        session.sql(f"CREATE OR REPLACE TABLE {table} ({ddl})").collect()
        names = ", ".join(name for name, _ in columns)
        values = ", ".join(_cast(name, kind) for name, kind in columns)
        sql = f"INSERT INTO {table} ({names}) SELECT {values} FROM TABLE(FLATTEN(INPUT => PARSE_JSON(?))) f"
        session.sql(sql, params=[json.dumps(rows)]).collect()

    return create


def _cast(name: str, kind: str) -> str:
    value = f"f.VALUE:{name}"
    if kind.upper() in ("VARIANT", "OBJECT", "ARRAY"):
        return value
    if kind.upper().startswith("TIMESTAMP"):
        return f"TO_TIMESTAMP_NTZ({value}::VARCHAR)"
    return f"{value}::{kind}"
