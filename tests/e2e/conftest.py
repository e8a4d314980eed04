"""End-to-end fixtures: the real handler, a Snowpark session on fakesnow, and the Mixpeek emulator."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from e2e.helpers import API_KEY, COLLECTION, NAMESPACE

from mixpeek_local.emulator import Emulator, Store, seed_collection
from mixpeek_local.engine import close_session, local_server, open_session
from mixpeek_snowflake import procedures
from mixpeek_snowflake.client import MixpeekClient


@pytest.fixture(scope="session")
def engine() -> Iterator[dict[str, Any]]:
    with local_server() as kwargs:
        yield kwargs


@pytest.fixture
def session(engine: dict[str, Any]) -> Iterator[Any]:
    session = open_session(engine, database=f"E2E_{uuid.uuid4().hex[:10].upper()}")
    try:
        yield session
    finally:
        close_session(session)


@pytest.fixture
def store() -> Store:
    store = Store()
    seed_collection(store, documents=240, seed=3, namespace=NAMESPACE, collection_id=COLLECTION)
    return store


@pytest.fixture
def waits(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """Retry waits the client asked for; nothing really sleeps."""
    recorded: list[float] = []
    monkeypatch.setattr(procedures, "MixpeekClient", functools.partial(MixpeekClient, sleep=recorded.append))
    return recorded


@pytest.fixture
def emulator(store: Store, monkeypatch: pytest.MonkeyPatch, waits: list[float]) -> Iterator[Emulator]:
    with Emulator(store, api_key=API_KEY) as emu:
        monkeypatch.setenv("MIXPEEK_API_KEY", API_KEY)
        monkeypatch.setenv("MIXPEEK_BASE_URL", emu.base_url)
        monkeypatch.setenv("MIXPEEK_NAMESPACE", NAMESPACE)
        yield emu
