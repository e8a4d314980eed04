"""View test fixtures: the real handlers, a Snowpark session on the local engine, and the Mixpeek emulator."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from bundle.views.view_helpers import API_KEY, NAMESPACE, seeded_store, sync, views
from local_world import fresh_session, serving

from mixpeek_local.emulator import Emulator, Store


@pytest.fixture
def session(engine: dict[str, Any]) -> Iterator[Any]:
    with fresh_session(engine, "VIEWS") as session:
        yield session


@pytest.fixture
def store() -> Store:
    return seeded_store()


@pytest.fixture
def emulator(store: Store, monkeypatch: pytest.MonkeyPatch) -> Iterator[Emulator]:
    with serving(store, monkeypatch, API_KEY, NAMESPACE) as emu:
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
    with (
        pytest.MonkeyPatch.context() as patch,
        serving(store, patch, API_KEY, NAMESPACE),
        fresh_session(engine, "VIEWS") as session,
    ):
        assert sync(session, include_vectors=True)["status"] == "SUCCEEDED"
        yield Synced(session, store, views(session))
