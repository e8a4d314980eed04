"""End-to-end fixtures: the real handler, a Snowpark session on fakesnow, and the Mixpeek emulator."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bundle.sync.e2e.helpers import API_KEY, COLLECTION, NAMESPACE
from local_world import fresh_session, never_sleeping, serving

from mixpeek_local.emulator import Emulator, Store, seed_collection


@pytest.fixture
def session(engine: dict[str, Any]) -> Iterator[Any]:
    with fresh_session(engine, "E2E") as session:
        yield session


@pytest.fixture
def store() -> Store:
    store = Store()
    seed_collection(store, documents=240, seed=3, namespace=NAMESPACE, collection_id=COLLECTION)
    return store


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits the client asked for; nothing really sleeps."""
    return never_sleeping(monkeypatch, [])


@pytest.fixture
def emulator(store: Store, monkeypatch: pytest.MonkeyPatch, waits: list[float]) -> Iterator[Emulator]:
    with serving(store, monkeypatch, API_KEY, NAMESPACE) as emu:
        yield emu
