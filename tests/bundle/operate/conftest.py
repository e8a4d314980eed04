"""Fixtures of the scheduler and health tests: a fresh database on the local engine, the emulator as Mixpeek."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from local_world import fresh_session, never_sleeping, serving

from mixpeek_local.emulator import Emulator, Store, seed_collection

API_KEY = "mxp_operate_key_51c2"
NAMESPACE = "ns_demo"
FIRST = "col_operate0001"
SECOND = "col_operate0002"


@pytest.fixture
def session(engine: dict[str, Any]) -> Iterator[Any]:
    with fresh_session(engine, "OPERATE") as session:
        session.sql("CREATE SCHEMA IF NOT EXISTS CORE").collect()
        session.sql("USE SCHEMA CORE").collect()
        yield session


@pytest.fixture
def store() -> Store:
    store = Store()
    seed_collection(store, documents=30, seed=5, namespace=NAMESPACE, collection_id=FIRST)
    seed_collection(store, documents=20, seed=6, namespace=NAMESPACE, collection_id=SECOND)
    return store


@pytest.fixture
def emulator(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    never_sleeping(monkeypatch, [])
    with serving(store, monkeypatch, API_KEY, NAMESPACE) as emu:
        yield emu
