"""Fixtures: one app world for every app test (built once: syncs, an enrichment, a failed target, health views)."""

from __future__ import annotations

import sys
from collections.abc import Iterator

import pytest
from app.app_world import API_KEY, DOCUMENTS, AppWorld

from mixpeek_app import backend
from mixpeek_app.local import world as worlds
from mixpeek_app.local.backend import LocalBackend
from mixpeek_local.demo.run import NAMESPACE
from mixpeek_local.emulator import Emulator
from mixpeek_local.engine.server import local_session
from mixpeek_local.environment import environment


@pytest.fixture(autouse=True)
def main_module_kept() -> Iterator[None]:
    """Streamlit's script runner puts the app in sys.modules["__main__"] and leaves it there; a later test that
    spawns processes (the local table functions, the bench's servers) would run the app in each child."""
    main = sys.modules["__main__"]
    yield
    sys.modules["__main__"] = main


@pytest.fixture(scope="session")
def app_world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[AppWorld]:
    store = worlds.seeded_store(DOCUMENTS)
    with (
        Emulator(store, api_key=API_KEY) as emulator,
        environment(MIXPEEK_API_KEY=API_KEY, MIXPEEK_BASE_URL=emulator.base_url, MIXPEEK_NAMESPACE=NAMESPACE),
        local_session(tmp_path_factory.mktemp("app-engine")) as session,
    ):
        built = worlds.build(session, store, emulator, say=lambda _line: None)
        local = LocalBackend(session, defaults=built.defaults())
        app = AppWorld(store, emulator, session, local, built)
        backend.install(lambda: local)
        try:
            yield app
        finally:
            backend.install(None)
