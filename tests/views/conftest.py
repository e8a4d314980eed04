"""View test fixtures: the real handlers, a Snowpark session on the local engine, and the Mixpeek emulator."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from views.view_helpers import API_KEY, NAMESPACE, seeded_store, sync, views

from mixpeek_local.emulator import Emulator, Store
from mixpeek_local.engine import close_session, local_server, open_session


@pytest.fixture(scope="session")
def engine() -> Iterator[dict[str, Any]]:
    with local_server() as kwargs:
        yield kwargs


@contextmanager
def fresh_session(engine: dict[str, Any]) -> Iterator[Any]:
    session = open_session(engine, database=f"VIEWS_{uuid.uuid4().hex[:10].upper()}")
    try:
        yield session
    finally:
        close_session(session)


@contextmanager
def serving(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with Emulator(store, api_key=API_KEY) as emu:
        monkeypatch.setenv("MIXPEEK_API_KEY", API_KEY)
        monkeypatch.setenv("MIXPEEK_BASE_URL", emu.base_url)
        monkeypatch.setenv("MIXPEEK_NAMESPACE", NAMESPACE)
        yield emu


@pytest.fixture
def session(engine: dict[str, Any]) -> Iterator[Any]:
    with fresh_session(engine) as session:
        yield session


@pytest.fixture
def store() -> Store:
    return seeded_store()


@pytest.fixture
def emulator(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with serving(store, monkeypatch) as emu:
        yield emu


@dataclass
class Synced:
    """A database holding the seeded collection synced with vectors, and the views made from it."""

    session: Any
    store: Store
    summary: dict[str, Any]


@pytest.fixture(scope="module")
def synced(engine: dict[str, Any]) -> Iterator[Synced]:
    store = seeded_store()
    with pytest.MonkeyPatch.context() as patch, serving(store, patch), fresh_session(engine) as session:
        assert sync(session, include_vectors=True)["status"] == "SUCCEEDED"
        yield Synced(session, store, views(session))
